/**
 * Reading a synthesized cloud assembly (a `cdk.out` directory) without aws-cdk-lib: the templates of a stack and of
 * its nested stacks, linked to the parent resource that deploys each, so references across nested stacks resolve.
 */
import * as fs from 'fs';
import * as path from 'path';

/**
 * A CloudFormation template, as much of it as the update check reads.
 *
 * TypeScript only (CloudFormation's PascalCase JSON and a `Map`, which jsii cannot carry); from other languages use
 * `UpdateCheck.checkAssemblies`, which reads the templates itself.
 *
 * @jsii ignore
 */
export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, unknown>;
}

/**
 * One resource of a template.
 *
 * TypeScript only (CloudFormation's PascalCase JSON and a `Map`, which jsii cannot carry); from other languages use
 * `UpdateCheck.checkAssemblies`, which reads the templates itself.
 *
 * @jsii ignore
 */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly UpdatePolicy?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Metadata?: Record<string, unknown>;
}

/**
 * A template of a stack or nested stack in an assembly.
 *
 * TypeScript only (CloudFormation's PascalCase JSON and a `Map`, which jsii cannot carry); from other languages use
 * `UpdateCheck.checkAssemblies`, which reads the templates itself.
 *
 * @jsii ignore
 */
export interface StackTemplate {
  /** The template's file name in the assembly (`Prod.template.json`, `ProdServices17CED86B6.nested.template.json`). */
  readonly file: string;
  readonly template: Template;
  /** For a nested stack: the parent template's file and the logical id of the `AWS::CloudFormation::Stack` that deploys it. */
  readonly parent?: { readonly file: string; readonly logicalId: string };
}

/**
 * The templates of one top-level stack and all its nested stacks, by file name.
 *
 * TypeScript only (CloudFormation's PascalCase JSON and a `Map`, which jsii cannot carry); from other languages use
 * `UpdateCheck.checkAssemblies`, which reads the templates itself.
 *
 * @jsii ignore
 */
export interface StackTemplates {
  /** The stack's artifact id, e.g. `Production`. */
  readonly stack: string;
  readonly templates: Map<string, StackTemplate>;
}

interface Manifest {
  readonly artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
}

/** Top-level stacks of an assembly directory (artifact ids). */
export function stacksOf(dir: string): string[] {
  const manifest = readJson<Manifest>(path.join(dir, 'manifest.json'));
  return Object.entries(manifest.artifacts ?? {})
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id]) => id);
}

/** Reads a stack's template and its nested stacks' templates from an assembly directory. */
export function readStack(dir: string, stack: string): StackTemplates {
  const manifest = readJson<Manifest>(path.join(dir, 'manifest.json'));
  const artifact = manifest.artifacts?.[stack];
  if (!artifact || artifact.type !== 'aws:cloudformation:stack') {
    throw new Error(`${dir}: no stack '${stack}' in the cloud assembly (stacks: ${stacksOf(dir).join(', ') || 'none'})`);
  }
  const file = artifact.properties?.templateFile ?? `${stack}.template.json`;
  // Nested templates are file assets of the top-level stack; the parent's TemplateURL names the asset hash.
  const byHash = new Map<string, string>();
  const assetsFile = path.join(dir, `${stack}.assets.json`);
  if (fs.existsSync(assetsFile)) {
    const assets = readJson<{ files?: Record<string, { source?: { path?: string } }> }>(assetsFile);
    for (const [hash, asset] of Object.entries(assets.files ?? {})) {
      if (asset.source?.path?.endsWith('.template.json')) byHash.set(hash, asset.source.path);
    }
  }
  const templates = new Map<string, StackTemplate>();
  const visit = (templateFile: string, parent?: StackTemplate['parent']) => {
    const template = readJson<Template>(path.join(dir, templateFile));
    templates.set(templateFile, { file: templateFile, template, parent });
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::CloudFormation::Stack') continue;
      const nested = nestedTemplateFile(resource, byHash);
      if (nested && !templates.has(nested)) visit(nested, { file: templateFile, logicalId });
    }
  };
  visit(file);
  return { stack, templates };
}

function nestedTemplateFile(resource: TemplateResource, byHash: Map<string, string>): string | undefined {
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath === 'string') return assetPath;
  const url = JSON.stringify(resource.Properties?.TemplateURL ?? '');
  const match = /([0-9a-f]{64})\.json/.exec(url);
  return match ? byHash.get(match[1]) : undefined;
}

/**
 * Where a value of a resource property points: `<file>#<logicalId>` of the resource it references, following
 * nested-stack parameters up to the template that defines the resource. Anything else is its JSON.
 */
export function referenceTarget(stack: StackTemplates, file: string, value: unknown): string {
  const ref = refOf(value);
  if (ref === undefined) return JSON.stringify(value);
  const current = stack.templates.get(file);
  if (!current) return JSON.stringify(value);
  if (current.template.Resources?.[ref]) return `${file}#${ref}`;
  if (current.template.Parameters?.[ref] !== undefined && current.parent) {
    const parent = stack.templates.get(current.parent.file)!;
    const stackResource = parent.template.Resources?.[current.parent.logicalId];
    const passed = (stackResource?.Properties?.Parameters as Record<string, unknown> | undefined)?.[ref];
    if (passed !== undefined) return referenceTarget(stack, current.parent.file, passed);
  }
  return `${file}#${ref}`;
}

function refOf(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
