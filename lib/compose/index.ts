export * from './compose-project';
export { interpolate, InterpolationError } from './interpolate';
export type { VariableLookup } from './interpolate';
export { loadCompose, composeSchemaValidator, ComposeFileError } from './load';
export type { ComposeWarning, ComposeModel, LoadedCompose, LoadOptions, ModelPath, SourcePosition } from './load';
export { translateCompose, SERVICE_KEYS } from './translate';
export type {
  ProjectPlan, ServicePlan, ImagePlan, PortPlan, RoutePlan, MountPlan, SecretMountPlan, SecretPlan, HealthCheckPlan, TranslateIo, TranslateOptions,
} from './translate';
export * from './service-configs';
