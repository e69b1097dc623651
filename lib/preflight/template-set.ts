/**
 * The synthesized templates of an app as one graph: nested stacks linked to their parents, references followed
 * across templates (nested-stack parameters and outputs, exports), and values folded to literals where the
 * template alone determines them. Plain data in, plain data out: no CDK imports, so rules are tested on JSON.
 */

/**
 * A CloudFormation template as JSON (only the sections the preflight rules read).
 *
 * TypeScript only (jsii structs cannot have the template's PascalCase keys): {@link PreflightTemplate.template} takes
 * the template JSON as it is in every language.
 *
 * @jsii ignore
 */
export interface CfnTemplateJson {
  /** Resources by logical id. */
  readonly Resources?: Record<string, CfnResourceJson>;
  /** Parameters by name. */
  readonly Parameters?: Record<string, Record<string, any>>;
  /** Outputs by name. */
  readonly Outputs?: Record<string, CfnOutputJson>;
}

/**
 * One output of a template.
 *
 * TypeScript only, like {@link CfnTemplateJson}.
 *
 * @jsii ignore
 */
export interface CfnOutputJson {
  /** The output's value (a literal or an intrinsic). */
  readonly Value?: any;
  /** The export of the output, by `Name`. */
  readonly Export?: Record<string, any>;
}

/**
 * One resource of a template.
 *
 * TypeScript only, like {@link CfnTemplateJson}: {@link ResourceRef.resource} is the resource's JSON as it is.
 *
 * @jsii ignore
 */
export interface CfnResourceJson {
  /** The resource type, e.g. `AWS::Lambda::Function`. */
  readonly Type: string;
  /** The resource properties. */
  readonly Properties?: Record<string, any>;
  /** Resource metadata. */
  readonly Metadata?: Record<string, any>;
  /** Logical ids this resource is created after. */
  readonly DependsOn?: string | string[];
}

/** One template of the app, as the preflight rules see it. */
export interface PreflightTemplate {
  /** The template's file name in the cloud assembly (`Production.template.json`); unique within the app. */
  readonly templateFile: string;
  /** Where the stack is in the app, for messages: its construct path (`Production/Services1`). */
  readonly displayName: string;
  /**
   * The deployed stack name (`AWS::StackName`).
   *
   * @default - unknown (nested stacks get a generated name at deploy time)
   */
  readonly stackName?: string;
  /**
   * The stack's region.
   *
   * @default - unknown (environment-agnostic stack); a nested stack takes its parent's
   */
  readonly region?: string;
  /**
   * The stack's account.
   *
   * @default - unknown (environment-agnostic stack); a nested stack takes its parent's
   */
  readonly account?: string;
  /**
   * The template's JSON as in the cloud assembly (`Resources`, `Parameters`, `Outputs`; see {@link CfnTemplateJson}).
   * Typed as any JSON because its keys are CloudFormation's PascalCase, which jsii structs cannot declare.
   */
  readonly template: any;
  /**
   * For a nested stack: its parent's template file and the logical id of the `AWS::CloudFormation::Stack` resource
   * that creates it there.
   *
   * @default - a top-level stack
   */
  readonly parent?: NestedStackParent;
}

/** Where a nested stack is created: its parent's template and the `AWS::CloudFormation::Stack` resource there. */
export interface NestedStackParent {
  /** The parent's template file name in the cloud assembly. */
  readonly templateFile: string;
  /** The logical id of the `AWS::CloudFormation::Stack` resource that creates the nested stack. */
  readonly logicalId: string;
}

/** A resource found in the app: the template it is in, its logical id and its JSON. */
export interface ResourceRef {
  /** The template that declares the resource. */
  readonly template: PreflightTemplate;
  /** The resource's logical id in that template. */
  readonly logicalId: string;
  /** The resource's JSON (`Type`, `Properties`, `Metadata`, `DependsOn`; see {@link CfnResourceJson}). */
  readonly resource: any;
}

/** A lower bound on the length of a value that may hold tokens, and whether it is exact. */
export interface LengthBound {
  /** At least this many characters. */
  readonly min: number;
  /** True when the value is fully known (then `min` is its length). */
  readonly exact: boolean;
}

/** Marks a part of unknown length in a partly rendered value (see {@link TemplateSet.render}). */
export const UNKNOWN = '\u0000';

/** Marks one character that is certainly there but unknown in a partly rendered value (see {@link TemplateSet.render}). */
export const UNKNOWN_CHAR = '\u0001';

const MAX_DEPTH = 12;

/** Shortest region names (`us-east-1`): a lower bound for `AWS::Region` when the stack's region is unknown. */
const SHORTEST_REGION = 9;

/** The app's templates with cross-template reference resolution. */
export class TemplateSet {
  /** Every template, top-level and nested, in the order given. */
  public readonly templates: PreflightTemplate[];
  private readonly byFile = new Map<string, PreflightTemplate>();
  private readonly children = new Map<string, PreflightTemplate>();
  private readonly byType = new Map<string, ResourceRef[]>();
  private exportsByName?: Map<string, { template: PreflightTemplate; value: unknown }>;

  constructor(templates: PreflightTemplate[]) {
    // A nested stack inherits its parent's environment; parents may come after children in the input.
    const raw = new Map(templates.map((t) => [t.templateFile, t]));
    const withEnv = (t: PreflightTemplate, depth = 0): PreflightTemplate => {
      const parent = t.parent && raw.get(t.parent.templateFile);
      if (!parent || depth > MAX_DEPTH || (t.region && t.account)) return t;
      const p = withEnv(parent, depth + 1);
      return { ...t, region: t.region ?? p.region, account: t.account ?? p.account };
    };
    this.templates = templates.map((t) => withEnv(t));
    for (const t of this.templates) {
      this.byFile.set(t.templateFile, t);
      if (t.parent) this.children.set(`${t.parent.templateFile}\u0000${t.parent.logicalId}`, t);
      for (const [logicalId, resource] of Object.entries(jsonOf(t).Resources ?? {})) {
        const list = this.byType.get(resource.Type) ?? [];
        list.push({ template: t, logicalId, resource });
        this.byType.set(resource.Type, list);
      }
    }
  }

  /** Every resource of the given types, across all templates. */
  public resourcesOfType(...types: string[]): ResourceRef[] {
    return types.flatMap((type) => this.byType.get(type) ?? []);
  }

  /** The template with this file name. */
  public template(templateFile: string): PreflightTemplate | undefined {
    return this.byFile.get(templateFile);
  }

  /** The nested stack created by resource `logicalId` of `template`. */
  public nestedStack(template: PreflightTemplate, logicalId: string): PreflightTemplate | undefined {
    return this.children.get(`${template.templateFile}\u0000${logicalId}`);
  }

  /**
   * The resource an expression points at: `Ref`, `Fn::GetAtt` (any attribute), followed through nested-stack
   * parameters and outputs and `Fn::ImportValue` of exports in the app.
   *
   * @returns undefined when the expression is a literal, a pseudo parameter, or leaves the app
   */
  public resolveResource(template: PreflightTemplate, expr: unknown, depth = 0): ResourceRef | undefined {
    if (depth > MAX_DEPTH || !isObject(expr)) return undefined;
    if (typeof expr.Ref === 'string') {
      const id = expr.Ref;
      const resource = jsonOf(template).Resources?.[id];
      if (resource) return { template, logicalId: id, resource };
      const passed = this.parameterValue(template, id);
      return passed ? this.resolveResource(passed.template, passed.value, depth + 1) : undefined;
    }
    const getAtt = expr['Fn::GetAtt'];
    if (getAtt !== undefined) {
      const [id, attribute] = Array.isArray(getAtt) ? getAtt : String(getAtt).split(/\.(.*)/s);
      const resource = jsonOf(template).Resources?.[id];
      if (!resource) return undefined;
      if (resource.Type === 'AWS::CloudFormation::Stack' && typeof attribute === 'string' && attribute.startsWith('Outputs.')) {
        const child = this.nestedStack(template, id);
        const output = child?.template.Outputs?.[attribute.slice('Outputs.'.length)];
        return child && output ? this.resolveResource(child, output.Value, depth + 1) : undefined;
      }
      return { template, logicalId: id, resource };
    }
    const imported = expr['Fn::ImportValue'];
    if (imported !== undefined) {
      const name = this.literal(template, imported, depth + 1);
      const exported = typeof name === 'string' ? this.exports().get(name) : undefined;
      return exported ? this.resolveResource(exported.template, exported.value, depth + 1) : undefined;
    }
    return undefined;
  }

  /**
   * The value of an expression when the templates determine it: strings, numbers and booleans, pseudo parameters
   * of a stack whose environment is known, `Fn::Join`, `Fn::Sub`, `Fn::Select`, parameters passed by a parent stack
   * or defaulted, exports.
   *
   * @returns undefined when any part is only known at deploy time
   */
  public literal(template: PreflightTemplate, expr: unknown, depth = 0): string | number | boolean | undefined {
    const rendered = this.render(template, expr, depth);
    return typeof rendered === 'string' && !isKnown(rendered) ? undefined : rendered;
  }

  /**
   * Renders an expression to a string as far as the templates determine it, with {@link UNKNOWN} standing for each
   * part only known at deploy time (`arn:aws:acm:eu-west-1:\u0000:certificate/…`) and {@link UNKNOWN_CHAR} for each
   * character of a pseudo parameter whose length alone is known (an unknown account id is twelve of them).
   * Numbers and booleans stay as they are; test rendered parts with {@link isKnown}.
   *
   * @returns undefined for lists and absent values
   */
  public render(template: PreflightTemplate, expr: unknown, depth = 0): string | number | boolean | undefined {
    if (typeof expr === 'string' || typeof expr === 'number' || typeof expr === 'boolean') return expr;
    if (depth > MAX_DEPTH || !isObject(expr)) return undefined;
    if (typeof expr.Ref === 'string') return this.renderRef(template, expr.Ref, depth);
    if (expr['Fn::Join'] !== undefined) {
      const [separator, parts] = asArray(expr['Fn::Join']);
      if (typeof separator !== 'string' || !Array.isArray(parts)) return UNKNOWN;
      return parts.map((p) => asString(this.render(template, p, depth + 1))).join(separator);
    }
    if (expr['Fn::Sub'] !== undefined) return this.renderSub(template, expr['Fn::Sub'], depth);
    if (expr['Fn::Select'] !== undefined) {
      const [index, list] = asArray(expr['Fn::Select']);
      const i = Number(this.literal(template, index, depth + 1));
      return Array.isArray(list) && Number.isInteger(i) && i >= 0 && i < list.length ? this.render(template, list[i], depth + 1) : UNKNOWN;
    }
    if (expr['Fn::ImportValue'] !== undefined) {
      const name = this.literal(template, expr['Fn::ImportValue'], depth + 1);
      const exported = typeof name === 'string' ? this.exports().get(name) : undefined;
      return exported ? this.render(exported.template, exported.value, depth + 1) : UNKNOWN;
    }
    return UNKNOWN;
  }

  /**
   * A lower bound on the length of a value: exact for literals, 12 for `AWS::AccountId`, 9 for an unknown
   * `AWS::Region`, 0 for other deploy-time parts.
   *
   * @returns undefined for lists and absent values
   */
  public lengthBound(template: PreflightTemplate, expr: unknown): LengthBound | undefined {
    const rendered = this.render(template, expr);
    if (rendered === undefined) return undefined;
    const text = String(rendered);
    const unknown = text.split(UNKNOWN).length - 1;
    return { min: text.length - unknown, exact: unknown === 0 };
  }

  private renderRef(template: PreflightTemplate, name: string, depth: number): string | number | boolean | undefined {
    switch (name) {
      case 'AWS::Region': return template.region ?? unknownOfLength(SHORTEST_REGION);
      case 'AWS::AccountId': return template.account ?? unknownOfLength(12);
      case 'AWS::Partition': return template.region ? partitionOf(template.region) : UNKNOWN;
      case 'AWS::URLSuffix': return template.region ? (template.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com') : UNKNOWN;
      case 'AWS::StackName': return template.stackName ?? UNKNOWN;
      case 'AWS::NoValue': return undefined;
      default: break;
    }
    if (jsonOf(template).Resources?.[name]) return UNKNOWN;
    const passed = this.parameterValue(template, name);
    if (passed) return this.render(passed.template, passed.value, depth + 1);
    const parameter = jsonOf(template).Parameters?.[name];
    return parameter && parameter.Default !== undefined ? this.render(template, parameter.Default, depth + 1) : UNKNOWN;
  }

  private renderSub(template: PreflightTemplate, sub: unknown, depth: number): string {
    const [text, vars] = Array.isArray(sub) ? sub : [sub, {}];
    if (typeof text !== 'string') return UNKNOWN;
    return text.replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (isObject(vars) && name in vars) return asString(this.render(template, vars[name], depth + 1));
      if (name.includes('.')) return UNKNOWN;
      return asString(this.renderRef(template, name, depth + 1));
    });
  }

  /** The value a parent stack passes to parameter `name` of a nested stack, in the parent's template. */
  private parameterValue(template: PreflightTemplate, name: string): { template: PreflightTemplate; value: unknown } | undefined {
    if (!template.parent) return undefined;
    const parent = this.byFile.get(template.parent.templateFile);
    const value = parent?.template.Resources?.[template.parent.logicalId]?.Properties?.Parameters?.[name];
    return parent && value !== undefined ? { template: parent, value } : undefined;
  }

  private exports(): Map<string, { template: PreflightTemplate; value: unknown }> {
    if (!this.exportsByName) {
      this.exportsByName = new Map();
      for (const t of this.templates) {
        for (const output of Object.values(jsonOf(t).Outputs ?? {})) {
          const name = output.Export?.Name;
          if (typeof name === 'string') this.exportsByName.set(name, { template: t, value: output.Value });
        }
      }
    }
    return this.exportsByName;
  }
}

/** A template's JSON, typed for the sections the rules read. */
export function jsonOf(template: PreflightTemplate): CfnTemplateJson {
  return template.template;
}

/** True for a plain JSON object (not an array). */
export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A rendered value for messages: unknown parts shown as `<deploy-time>`. */
export function printable(rendered: string): string {
  return rendered.replace(new RegExp(`[${UNKNOWN}${UNKNOWN_CHAR}]+`, 'g'), '<deploy-time>');
}

/** The array a property holds, or an empty one (absent, or an intrinsic such as `Fn::If` that is not expanded). */
export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** The partition of a region: `aws`, `aws-cn` or `aws-us-gov`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function unknownOfLength(n: number): string {
  return UNKNOWN_CHAR.repeat(n);
}

/** True when a rendered string has no unknown part (see {@link TemplateSet.render}). */
export function isKnown(rendered: string): boolean {
  return !rendered.includes(UNKNOWN) && !rendered.includes(UNKNOWN_CHAR);
}

function asString(value: string | number | boolean | undefined): string {
  return value === undefined ? UNKNOWN : String(value);
}
