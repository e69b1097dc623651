import type { Ec2LogDriver } from '../cluster/logging-drivers';
import type { FleetCapacity } from '../service/fleet-capacity';
import type { FleetNetworkMode } from '../service/network-mode';
import { ComposeWarning } from './load';
import type { ComposeSecurityPolicy, PolicyIo } from './security-policy';

/**
 * The plain description of what a compose file becomes on ECS: the output of {@link translateCompose}, the
 * input of ComposeProject. Data only, no CDK.
 */

/** How the service's image is obtained. */
export type ImagePlan =
  | { readonly kind: 'registry'; readonly reference: string }
  | {
    readonly kind: 'build';
    /** Absolute path of the build context. */
    readonly context: string;
    /** Dockerfile path relative to the context. */
    readonly dockerfile?: string;
    readonly target?: string;
    readonly args?: Record<string, string>;
    /** Files left out of the image asset (relative to the context): the project's secret files inside the context. */
    readonly exclude?: string[];
    /**
     * The context holds symbolic links to files of the project outside it, which the image asset copies (links out of
     * the project are refused by the security policy). Otherwise the asset refuses every link out of the context.
     */
    readonly copyLinkTargets?: boolean;
  }
  /** The caller maps this service to a prebuilt image (the construct's `images` prop). */
  | { readonly kind: 'override' };

/** A container port of the service. */
export interface PortPlan {
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
}

/** A port published on the host in compose (`8081:80`): reachable on the environment's entry point. */
export interface PublishedPortPlan {
  /** The host port (the port clients use). */
  readonly published: number;
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
  /**
   * Whether the port speaks HTTP (a listener of the Application Load Balancer) rather than plain TCP (the Network
   * Load Balancer): `app_protocol: http`, the routed port, or a container port web servers use (80, 8080, ...).
   */
  readonly http: boolean;
}

/** Where the service's ports come from. */
export type PortSource =
  /** `ports`, `expose` or `x-fleet.port`. */
  | { readonly kind: 'declared' }
  /** `EXPOSE` in the Dockerfile of the build context. */
  | { readonly kind: 'dockerfile'; readonly dockerfile: string }
  /** The table of well-known official images (docs/compose.md). */
  | { readonly kind: 'well-known'; readonly image: string }
  /** Nothing known: a routed service falls back to port 80. */
  | { readonly kind: 'unknown' };

/** Service Connect names of a compose service, normalized to what ECS accepts. */
export interface ServiceNames {
  /** The client alias other services use: the compose name in lowercase (DNS names are case-insensitive). */
  readonly dnsName: string;
  /** Prefix of the discovery names (`<prefix>-<port>`): lowercase letters, digits, `_` and `-`. */
  readonly discoveryPrefix: string;
}

/** A tmpfs mount. */
export interface TmpfsPlan {
  readonly containerPath: string;
  /** Size in MiB (ECS needs one). */
  readonly sizeMiB: number;
  /** Mount options ECS accepts (option names only). */
  readonly mountOptions: string[];
}

/** A host device mapped into the container. */
export interface DevicePlan {
  readonly hostPath: string;
  readonly containerPath?: string;
  /** Subset of `read`, `write`, `mknod`. @default - all three, as Docker */
  readonly permissions?: Array<'read' | 'write' | 'mknod'>;
}

/** The container's log driver, when not the default CloudWatch Logs one. */
export interface LoggingPlan {
  readonly driver: Ec2LogDriver;
  readonly options: Record<string, string>;
}

/** Deployment settings from `deploy.update_config`. */
export interface DeploymentPlan {
  /** `deploy.mode: global`: one task on every instance (ECS DAEMON scheduling), no desired count. */
  readonly global?: boolean;
  readonly minHealthyPercent?: number;
  readonly maxHealthyPercent?: number;
  readonly rollbackOnFailure?: boolean;
}

/** A route on the load balancer. */
export interface RoutePlan {
  readonly host?: string;
  readonly path?: string;
  readonly healthCheckPath?: string;
}

/** A volume mounted into the container. */
export type MountPlan =
  /** A named compose volume: a Docker volume on the instance shared by the project's tasks there. */
  | { readonly kind: 'named'; readonly volume: string; readonly containerPath: string; readonly readOnly: boolean }
  /** An anonymous volume (`- /path`): a Docker volume that lives as long as the task. */
  | { readonly kind: 'anonymous'; readonly containerPath: string; readonly readOnly: boolean }
  /** A bind mount: a host path on the instance. */
  | { readonly kind: 'bind'; readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean };

/** A compose secret made available as a file in the container. */
export interface SecretMountPlan {
  /** Name of the top-level secret. */
  readonly secret: string;
  /** Absolute path of the file in the container. */
  readonly target: string;
  /** File mode. @default 0o444, as Compose bind-mounts secrets readable */
  readonly mode: number;
  readonly uid?: string;
  readonly gid?: string;
}

/** A compose config written as a file into the container. */
export interface ConfigMountPlan {
  /** Name of the top-level config. */
  readonly config: string;
  /** Absolute path of the file in the container. */
  readonly target: string;
  /** File mode. @default 0o444, as Compose mounts configs */
  readonly mode: number;
  readonly uid?: string;
  readonly gid?: string;
}

/** A top-level compose config: an SSM parameter. */
export interface ConfigPlan {
  readonly name: string;
  /** `value`: a new SSM parameter holding `value` (from file, content or environment); `external`: an existing parameter. */
  readonly kind: 'value' | 'external';
  readonly value?: string;
  /** Parameter name of an external config. */
  readonly externalName?: string;
}

/** The container health check, in ECS terms. */
export interface HealthCheckPlan {
  readonly command: string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds?: number;
}

/** One ECS service to build from one compose service. */
export interface ServicePlan {
  /** The compose service name: also the construct id and the name other services reach it by. */
  readonly name: string;
  readonly image: ImagePlan;
  /** CPU units (1,024 per vCPU). @default - FleetService's default */
  readonly cpu?: number;
  readonly memoryLimitMiB?: number;
  readonly memoryReservationMiB?: number;
  /** Tasks: `deploy.replicas`, `scale`, else 1 as in Compose. */
  readonly desiredCount: number;
  readonly environment: Record<string, string>;
  readonly command?: string[];
  readonly entryPoint?: string[];
  readonly healthCheck?: HealthCheckPlan;
  /** Every container port (from `ports`, `expose`, `x-fleet.port`, else inferred), deduplicated. */
  readonly ports: PortPlan[];
  /** Where `ports` come from. */
  readonly portSource: PortSource;
  /** Ports published on the host in compose. */
  readonly published: PublishedPortPlan[];
  /** Service Connect names. */
  readonly names: ServiceNames;
  /** The container port the load balancer routes to, when the service is routed. */
  readonly routedPort?: number;
  readonly routes: RoutePlan[];
  /** Services to start before this one (`depends_on`). */
  readonly dependsOn: string[];
  /**
   * Services whose Service Connect endpoints must exist before this one starts: `depends_on`, services named in
   * its environment values, and (for a service that publishes nothing) every service that does. Never a cycle.
   */
  readonly startAfter: string[];
  readonly mounts: MountPlan[];
  readonly secrets: SecretMountPlan[];
  readonly configs: ConfigMountPlan[];
  readonly user?: string;
  readonly workingDirectory?: string;
  readonly hostname?: string;
  readonly dockerLabels?: Record<string, string>;
  readonly ulimits: Array<{ name: string; soft: number; hard: number }>;
  readonly capAdd?: string[];
  readonly capDrop?: string[];
  readonly sysctls?: Record<string, string>;
  readonly tmpfs: TmpfsPlan[];
  readonly swappiness?: number;
  readonly maxSwapMiB?: number;
  readonly devices: DevicePlan[];
  readonly gpuCount?: number;
  readonly logging?: LoggingPlan;
  readonly deployment: DeploymentPlan;
  /** `x-fleet.network`: the FleetService's network mode (default bridge). */
  readonly networkMode?: FleetNetworkMode;
  /** `x-fleet.capacity`: where the FleetService's tasks run (default the cluster's EC2 instances). */
  readonly capacity?: FleetCapacity;
  readonly privileged?: boolean;
  readonly init?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly sharedMemoryMiB?: number;
  readonly interactive?: boolean;
  readonly pseudoTerminal?: boolean;
  readonly stopTimeoutSeconds?: number;
  /** `/etc/hosts` entries, one per address (a host may have several). */
  readonly extraHosts: Array<{ hostname: string; ipAddress: string }>;
  /** The `DOMAIN` environment variable, if any. */
  readonly domainLabel?: string;
  readonly warnings: ComposeWarning[];
}

/** A top-level compose secret. */
export interface SecretPlan {
  readonly name: string;
  /**
   * `generated`: a new Secrets Manager secret with a random value (file/environment secrets by default);
   * `external`: an existing one, by name; `sealed`: a file secret whose content is sealed at synth and written at
   * deployment (`sealSecretFiles`).
   */
  readonly kind: 'generated' | 'external' | 'sealed';
  /** Secrets Manager name of an external secret. */
  readonly externalName?: string;
  /** Absolute path of a sealed secret's file. */
  readonly file?: string;
}

/** The whole project. */
export interface ProjectPlan {
  readonly name: string;
  /** The services, in file order. */
  readonly services: ServicePlan[];
  /** Named volumes used by the services. */
  readonly volumes: string[];
  /** Secrets used by the services. */
  readonly secrets: SecretPlan[];
  /** Configs used by the services. */
  readonly configs: ConfigPlan[];
  /** Warnings about the project as a whole (not one service). */
  readonly warnings: ComposeWarning[];
}

/** Where a compose project's named volumes live. */
export enum NamedVolumeStorage {
  /** Docker volumes on the instance that runs the task: free, but the data stays on that instance. */
  INSTANCE = 'instance',
  /** One encrypted EFS file system for the project, an access point per volume: durable, shared by every task. */
  EFS = 'efs',
}

/**
 * File access of the translation: injected so the translation stays pure (tests pass an in-memory file system).
 */
export interface ITranslateIo {
  /** Text of a file, or undefined when it does not exist. */
  readFile(absolutePath: string): string | undefined;
  /** Whether a directory exists. */
  isDirectory(absolutePath: string): boolean;
}

/**
 * @deprecated Use ITranslateIo.
 * @jsii ignore
 */
export type TranslateIo = ITranslateIo;

/** Options of {@link translateCompose}. */
export interface TranslateOptions {
  /** Folder of the compose file: relative paths (build contexts, env files, bind mounts) start there. */
  readonly baseDir: string;
  /** Project name. @default - the file's `name`, else the folder's name */
  readonly projectName?: string;
  /** Domain for `DOMAIN` routes: a service with `DOMAIN=login` is routed by host `login.<domain>`. @default - DOMAIN is not routed */
  readonly domain?: string;
  /** Services whose image the caller provides (their `build` is not checked). */
  readonly imageOverrides?: ReadonlySet<string>;
  /** Active profiles: services with `profiles` are included only when one of theirs is active. @default - none */
  readonly profiles?: readonly string[];
  /** Variables (for `environment: [KEY]` entries without a value). */
  readonly lookup?: (name: string) => string | undefined;
  /** Where relative bind mounts live on the instances. @default `/opt/compose/<project>` */
  readonly hostRoot?: string;
  /**
   * Whether published ports (`8081:80`) are opened on the environment's entry point; when false they are warned about.
   * @default false
   */
  readonly publishPorts?: boolean;
  /** Where named volumes live: on the instance (Docker volumes) or on EFS. @default NamedVolumeStorage.INSTANCE */
  readonly namedVolumes?: NamedVolumeStorage;
  /**
   * Whether `file:` secrets are sealed and uploaded (their file, or its sealed copy `<file>.sealed.json`, must exist);
   * when false they get a generated value and a warning.
   * @default false
   */
  readonly sealSecretFiles?: boolean;
  /** What the file may ask for (see {@link ComposeSecurityPolicy}). @default ComposeSecurityPolicy.BASELINE */
  readonly securityPolicy?: ComposeSecurityPolicy;
  /** Folder every file the compose file names must lie in, after symbolic links. @default baseDir */
  readonly projectDirectory?: string;
  /** Prefix of `external` secret (`<prefix>/`) and config (`/<prefix>/`) names under BASELINE. @default - external ones are refused under BASELINE */
  readonly externalNamePrefix?: string;
  /** Real paths and symbolic links, for the policy's containment checks. @default - the file system */
  readonly policyIo?: PolicyIo;
  readonly io: ITranslateIo;
}

