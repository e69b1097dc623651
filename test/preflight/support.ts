import { CfnTemplateJson, PreflightTemplate, TemplateSet } from '../../lib/preflight/template-set';

/** A top-level stack's template for rule tests: `Name.template.json` in eu-west-1 unless told otherwise. */
export function stackTemplate(name: string, resources: CfnTemplateJson['Resources'], options: Partial<PreflightTemplate> = {}): PreflightTemplate {
  return { templateFile: `${name}.template.json`, displayName: name, stackName: name, region: 'eu-west-1', template: { Resources: resources }, ...options };
}

/** A nested stack's template, created by resource `logicalId` of `parent`. */
export function nestedTemplate(parent: PreflightTemplate, logicalId: string, template: CfnTemplateJson): PreflightTemplate {
  return {
    templateFile: `${parent.displayName}${logicalId}.nested.template.json`,
    displayName: `${parent.displayName}/${logicalId}`,
    template,
    parent: { templateFile: parent.templateFile, logicalId },
  };
}

/** A template set of one stack with these resources. */
export function oneStack(resources: CfnTemplateJson['Resources'], options: Partial<PreflightTemplate> = {}): TemplateSet {
  return new TemplateSet([stackTemplate('Stack', resources, options)]);
}
