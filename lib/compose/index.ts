export * from './compose-project';
export { interpolate, InterpolationError } from './interpolate';
export type { VariableLookup } from './interpolate';
export { loadCompose, composeSchemaValidator, ComposeFileError } from './load';
export type { ComposeWarning, ComposeModel, LoadedCompose, LoadOptions, ModelPath, SourcePosition } from './load';
export { translateCompose, SERVICE_KEYS } from './translate';
export type {
  ProjectPlan, ServicePlan, ImagePlan, PortPlan, RoutePlan, MountPlan, SecretMountPlan, SecretPlan, HealthCheckPlan, TranslateIo, TranslateOptions,
  PublishedPortPlan, PortSource, ServiceNames, TmpfsPlan, DevicePlan, LoggingPlan, DeploymentPlan, ConfigMountPlan, ConfigPlan,
} from './plan';
export { PublishedPorts } from './published-ports';
export type { PublishedPortsProps, PublishedPortOptions, PublishedEndpoint } from './published-ports';
export { WELL_KNOWN_IMAGE_PORTS, wellKnownImage, dockerfilePorts } from './well-known-images';
export * from './service-configs';
