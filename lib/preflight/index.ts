export { FleetPreflightChecks } from './plugin';
export { PreflightFinding, PreflightRule } from './rule';
export { PREFLIGHT_RULES, runPreflightRules } from './rules';
export { CfnResourceJson, CfnTemplateJson, LengthBound, PreflightTemplate, ResourceRef, TemplateSet } from './template-set';
export { serviceConnectNameProblem, clientAliasProblem, ecsResourceNameProblem } from './rules/ecs-names';
export { placeholderReason } from './rules/placeholders';
export { NAME_LIMITS, NameLimit } from './rules/name-lengths';
