// The update check's public surface: compare the last deploy's cloud assembly with a new synth. The template readers
// and the replacement table behind it are internal.
export { checkAssemblies, checkUpdate, assertSafeUpdate, formatReport, isSafe, ReplacementKind } from './check';
export type { UpdateReport, Replacement, Move, PriorityClash, StatefulOrIngressChange } from './check';
export { deployedListenerRules } from './deployed';
export { UpdateCheck } from './update-check';
export type { StackTemplates, StackTemplate, Template, TemplateResource } from './assembly';
