export { ComposeProject } from './compose-project';
export type { ComposeProjectProps } from './compose-project';
export { ComposeFileError } from './load';
export type { ComposeWarning, SourcePosition } from './load';
export { composeServiceConfigs } from './service-configs';
export type { ComposeServiceConfigsOptions, ServiceOverride } from './service-configs';
export type { TranslateIo } from './plan';
export { PublishedPorts } from './published-ports';
export type { PublishedEndpoint, PublishedPortOptions, PublishedPortsProps } from './published-ports';
