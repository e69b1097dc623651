import * as path from 'path';
import { Annotations, CfnOutput, Duration, Names, NestedStack, RemovalPolicy, Size, Stack, SymlinkFollowMode, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { FleetCluster } from '../cluster/fleet-cluster';
import { fleetError } from '../errors';
import { displayPath } from '../files';
import { FleetLoadBalancer, FleetRoute } from '../routing/fleet-load-balancer';
import { FileSecret, SecretSealingKey } from '../secrets/file-secret';
import { isFargate } from '../service/fleet-capacity';
import { FleetService, FleetServiceProps } from '../service/fleet-service';
import { ServicePlacement } from '../service/placement';
import { ComposeFileError, ComposeWarning, loadCompose } from './load';
import { NamespaceCleanup } from './namespace-cleanup';
import { nestedStackOf, stackSafeStartOrder } from './nested-stacks';
import { MAX_COMPOSE_FILE_BYTES, MAX_ENV_FILE_BYTES } from './limits';
import { parseEnvFile, parseSizeMiB } from './parse';
import { ProjectFileError, projectFileIo, readProjectFile } from './project-files';
import { PublishedPorts } from './published-ports';
import { ComposeSecurityPolicy, isWithin, realLocation } from './security-policy';
import { ENTRY_PORT } from './translate-ports';
import { LoggingPlan, NamedVolumeStorage, ProjectPlan, ServicePlan, translateCompose } from './translate';

/** Prefix of every warning id this construct emits: `@cdk-container-fleet/compose:<compose key>`. */
export const COMPOSE_WARNING_PREFIX = '@cdk-container-fleet/compose:';

/** The image of the one-shot container that writes compose secrets into `/run/secrets` before the service starts. */
export const SECRETS_INIT_IMAGE = 'public.ecr.aws/docker/library/busybox:1.37';

/**
 * Properties of a {@link ComposeProject}.
 */
export interface ComposeProjectProps {
  /** Path of the compose file (Compose Specification; version 2 and 3 files too). Relative paths inside it start at its folder. */
  readonly composeFile: string;

  /** The cluster the services run on. */
  readonly cluster: FleetCluster;

  /**
   * The load balancer that serves routed services: those with a `DOMAIN` variable (host `<DOMAIN>.<domain>`)
   * or an `x-fleet.routes` extension.
   *
   * @default - no load balancer; a routed service is then an error
   */
  readonly loadBalancer?: FleetLoadBalancer;

  /**
   * Prebuilt images by compose service name. They replace the service's `build` (or `image`), so a
   * pipeline can build once and deploy the same image everywhere.
   *
   * @default - `build` becomes a Docker image asset built by `cdk deploy`, `image` is pulled as written
   */
  readonly images?: Record<string, string | ecs.ContainerImage>;

  /**
   * Variables for interpolation (`${VAR}`) and for `environment` entries without a value. The process
   * environment is deliberately not read, so synthesis is reproducible; pass `process.env` yourself if you want it.
   *
   * @default - only the `.env` file beside the compose file, if there is one
   */
  readonly variables?: Record<string, string>;

  /**
   * Read the `.env` file beside the compose file for variables (as Docker Compose does). `variables` win.
   *
   * @default true
   */
  readonly readDotEnv?: boolean;

  /**
   * Domain of the environment: a service with `DOMAIN=login` is routed by host `login.<domain>`.
   *
   * @default - DOMAIN variables are not routed (a warning says so)
   */
  readonly domain?: string;

  /**
   * Hosted zone (typically private, of the environment's VPC) that receives an alias record for every routed host in it.
   *
   * @default - no DNS records
   */
  readonly zone?: route53.IHostedZone;

  /**
   * Active Compose profiles: services with `profiles` run only when one of theirs is listed.
   *
   * @default - none: only services without profiles (and what they depend on)
   */
  readonly profiles?: string[];

  /**
   * Where named volumes live. `NamedVolumeStorage.INSTANCE`: Docker volumes on the instance that runs the task (free, but the data
   * stays on that instance). `NamedVolumeStorage.EFS`: one encrypted EFS file system for the project, an access point per volume,
   * mounted with TLS and IAM authorization (durable, shared by every task and instance).
   *
   * @default NamedVolumeStorage.INSTANCE, the cheap choice for QA; a warning names each volume that keeps its data on one instance
   */
  readonly namedVolumes?: NamedVolumeStorage;

  /**
   * What happens to the EFS file system (`NamedVolumeStorage.EFS`) when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN, so deleting an environment never deletes its data
   */
  readonly volumeRemovalPolicy?: RemovalPolicy;

  /**
   * Put the services in nested stacks of this many services each, filled in file order, so a large compose file stays
   * under CloudFormation's 500 resources per stack (a service with its alarms takes about 14 resources, more when routed). File order
   * keeps `depends_on`, which usually points to earlier services, from running both ways between stacks (a synth error
   * names the services if it does; an inferred wait that would is left out with a warning). A service added or removed early in the file moves every later one to
   * another nested stack, which replaces it: append new services at the end, and choose the number once.
   *
   * @default - every service in this construct's stack (fine up to about 25 services: a routed service with its alarms
   *   takes about 14 resources, and a stack holds 500)
   */
  readonly servicesPerNestedStack?: number;

  /**
   * Open the ports the file publishes (`ports: ["8081:80"]`) on the environment's entry point, as `docker compose up`
   * does on `localhost`: an HTTP port becomes a listener on that port of the load balancer, a TCP or UDP port a
   * listener of a Network Load Balancer; each URL is a stack output. Needs `loadBalancer`.
   *
   * @default true when a loadBalancer is given
   */
  readonly publishPorts?: boolean;

  /**
   * Client address ranges admitted on published ports.
   *
   * @default - the VPC's CIDR only (QaStack passes its allowedCidrs)
   */
  readonly publishedPortCidrs?: string[];

  /**
   * Upload the content of file secrets (`secrets: x: file: ./x.txt`) to Secrets Manager, sealed at synth with this
   * asymmetric KMS key so the content never appears in clear text in a template or the cloud assembly (see
   * {@link FileSecret} and docs/secrets.md). Each file is sealed into `<file>.sealed.json` beside it, which you commit
   * in place of the plain file; a changed file rolls the services that use it.
   *
   * @default - file secrets get a generated random value, and a warning names each one
   */
  readonly sealSecretFiles?: SecretSealingKey;

  /**
   * Project name: prefixes named volumes on the instances and the host folder of relative bind mounts.
   *
   * @default - the file's `name`, else its folder's name
   */
  readonly projectName?: string;

  /**
   * How far the compose file is trusted. BASELINE treats it as untrusted input (a branch's file deployed by CI), as
   * Kubernetes' "baseline" Pod Security Standard treats a pod: host-level settings (privileged, capabilities beyond
   * the baseline, devices, host namespaces, non-namespaced sysctls, unconfined security options, bind mounts outside
   * the project's `/opt/compose/<project>`) and `external` secrets or configs outside `externalNamePrefix` are synth errors. TRUSTED
   * honours them as written, for a file reviewed like code. Under both, every file the compose file names must lie in
   * `projectDirectory` (docs/compose.md, "Untrusted compose files").
   *
   * @default ComposeSecurityPolicy.BASELINE, because whoever can push a branch can write its compose file
   */
  readonly securityPolicy?: ComposeSecurityPolicy;

  /**
   * The folder every file the compose file names (env files, `.env`, configs, secrets, build contexts and their
   * symbolic links, Dockerfiles, relative bind mounts) must lie in, after symbolic links are resolved: anything else
   * would put a file of the build machine into the template or the cloud assembly.
   *
   * @default - the compose file's folder
   */
  readonly projectDirectory?: string;

  /**
   * The name prefix `external` secrets and configs must have under BASELINE: secrets `<prefix>/...` in Secrets Manager,
   * configs `/<prefix>/...` in SSM Parameter Store. The services' execution role is granted only what the names say,
   * so a branch's file cannot read another environment's secrets.
   *
   * @default - the name of the stack the project is in (`Qa-<branch>` for a QaStack)
   */
  readonly externalNamePrefix?: string;
}

/**
 * The services of a compose file on a {@link FleetCluster}: one {@link FleetService} per compose service,
 * reachable from each other by their compose names through ECS Service Connect (one Cloud Map HTTP namespace
 * per project), routed on a {@link FleetLoadBalancer} by `DOMAIN` or `x-fleet.routes`.
 *
 * The file is validated against the Compose Specification schema and interpolated at synth time; a bad
 * file is an error with file, line and column. What ECS cannot honour becomes a warning annotation
 * `@cdk-container-fleet/compose:<key>` naming the file, service and key and what was done instead
 * (see docs/compose.md for the full table).
 */
export class ComposeProject extends Construct {
  /** The services, by compose service name. */
  public readonly services: Record<string, FleetService> = {};
  /** The routes made for routed services, by compose service name. */
  public readonly routes: Record<string, FleetRoute[]> = {};
  /** The Cloud Map namespace the services register in (Service Connect). */
  public readonly namespace: servicediscovery.HttpNamespace;
  /** Secrets Manager secrets created or imported for compose `secrets`, by compose secret name. */
  public readonly secrets: Record<string, secretsmanager.ISecret> = {};
  /** SSM parameters created or imported for compose `configs`, by compose config name. */
  public readonly configs: Record<string, ssm.IStringParameter> = {};
  /** Every warning emitted (also attached as annotations). */
  public readonly warnings: ComposeWarning[] = [];
  /**
   * The translated project (plain data).
   *
   * TypeScript only: its variants (image, mount and port sources) are discriminated unions no other language has.
   *
   * @jsii ignore
   */
  public readonly plan: ProjectPlan;
  // Made on first use by the services that need them; read-only to users (and in other languages' bindings).
  private published?: PublishedPorts;
  private volumes?: efs.FileSystem;

  private readonly accessPoints = new Map<string, efs.AccessPoint>();
  /** Sealed file secrets: a task references their written version, so a changed file rolls its services. */
  private readonly sealedSecrets = new Map<string, FileSecret>();
  private readonly props: ComposeProjectProps;

  /** The published ports, when `publishPorts` is on and the file publishes any. */
  public get publishedPorts(): PublishedPorts | undefined {
    return this.published;
  }

  /** The EFS file system of the named volumes, when `namedVolumes` is `NamedVolumeStorage.EFS` and a service mounts one. */
  public get fileSystem(): efs.FileSystem | undefined {
    return this.volumes;
  }

  constructor(scope: Construct, id: string, props: ComposeProjectProps) {
    super(scope, id);
    this.props = props;
    const file = props.composeFile;
    const baseDir = path.dirname(path.resolve(file));
    // Containment first, then a bounded read of a regular file: a compose file linked to /dev/zero, or one of
    // gigabytes, is refused before anything reads it.
    const projectDirectory = realLocation(props.projectDirectory ?? baseDir);
    if (!isWithin(projectDirectory, realLocation(file))) {
      throw fleetError(this, `compose file '${file}' is not inside projectDirectory ${projectDirectory}`, 'give a projectDirectory that holds the compose file');
    }
    let content: Buffer | undefined;
    try {
      content = readProjectFile(file, MAX_COMPOSE_FILE_BYTES, `compose file '${file}'`);
    } catch (e) {
      if (e instanceof ProjectFileError) throw fleetError(this, e.problem, e.fix);
      content = undefined;
    }
    if (content === undefined) {
      throw fleetError(this, `compose file '${file}' cannot be read`, 'give the path of an existing compose file (relative to the working directory)');
    }
    const text = content.toString('utf8');
    const dotEnvFile = path.join(baseDir, '.env');
    if (props.readDotEnv !== false && !isWithin(projectDirectory, realLocation(dotEnvFile))) {
      throw fleetError(this, `the .env file beside ${displayPath(file)} leads outside the project folder (to ${realLocation(dotEnvFile)})`,
        'replace the symbolic link by a file, or set readDotEnv: false');
    }
    // Messages name the file as the user would: relative to the working directory when it is inside it.
    const displayName = displayPath(file);

    try {
      const dotEnv = props.readDotEnv === false ? {} : readDotEnv(dotEnvFile);
      const variables: Record<string, string> = { ...dotEnv, ...props.variables };
      const lookup = (name: string) => (Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined);
      const loaded = loadCompose(text, { file: displayName, lookup });
      this.warnings.push(...loaded.warnings);
      this.plan = translateCompose(loaded, {
        baseDir,
        projectName: props.projectName,
        domain: props.domain?.replace(/\.$/, ''),
        imageOverrides: new Set(Object.keys(props.images ?? {})),
        profiles: props.profiles,
        namedVolumes: props.namedVolumes,
        publishPorts: (props.publishPorts ?? true) && props.loadBalancer !== undefined,
        sealSecretFiles: props.sealSecretFiles !== undefined,
        securityPolicy: props.securityPolicy,
        projectDirectory,
        externalNamePrefix: props.externalNamePrefix ?? rootStackOf(this).stackName,
        lookup,
        // Every file the translation reads (env_file, configs, secrets, Dockerfiles): regular files of at most 1 MiB.
        io: projectFileIo(),
      });
    } catch (e) {
      if (e instanceof ComposeFileError) throw fleetError(this, e.message, e.fix);
      if (e instanceof ProjectFileError) throw fleetError(this, e.problem, e.fix);
      throw e;
    }
    for (const name of Object.keys(props.images ?? {})) {
      if (!this.plan.services.some((s) => s.name === name)) {
        throw fleetError(this, `images names '${name}', which is not a service of ${displayName}`, `use one of ${this.plan.services.map((s) => s.name).join(', ')}`);
      }
    }
    for (const w of [...this.warnings, ...this.plan.warnings]) this.warn(this, w, displayName);
    this.warnings.push(...this.plan.warnings);
    claimProjectFolder(this, props.cluster, this.plan.name);

    // One namespace per project: names resolve only among the project's own services, so branches never see each other.
    this.namespace = new servicediscovery.HttpNamespace(this, 'Namespace', {
      name: Names.uniqueResourceName(this, { maxLength: 64, separator: '-' }).toLowerCase(),
      description: `Service Connect names of compose project ${this.plan.name} (${displayName})`,
    });
    // Deleted after every service and before the namespace: clears the Cloud Map services ECS leaves behind.
    const namespaceCleanup = new NamespaceCleanup(this, 'NamespaceCleanup', { namespace: this.namespace });

    for (const secret of this.plan.secrets) {
      if (secret.kind === 'sealed') {
        const sealed = new FileSecret(this, `Secret-${secret.name}`, {
          file: secret.file!,
          sealingKey: props.sealSecretFiles!,
          description: `Compose secret ${secret.name} of ${displayName}: the content of ${path.basename(secret.file!)}, sealed at synth`,
        });
        this.secrets[secret.name] = sealed.secret;
        this.sealedSecrets.set(secret.name, sealed);
      } else {
        this.secrets[secret.name] = secret.kind === 'external'
          ? secretsmanager.Secret.fromSecretNameV2(this, `Secret-${secret.name}`, secret.externalName!)
          : this.generatedSecret(secret.name, displayName);
      }
    }

    for (const config of this.plan.configs) {
      this.configs[config.name] = config.kind === 'external'
        ? ssm.StringParameter.fromStringParameterName(this, `Config-${config.name}`, config.externalName!)
        : this.configParameter(config.name, config.value!, displayName);
    }

    const perStack = props.servicesPerNestedStack;
    if (perStack !== undefined && (!Number.isInteger(perStack) || perStack < 1 || perStack > 35)) {
      throw fleetError(this, `servicesPerNestedStack ${perStack} is not valid`, 'use 1 to 35 (a service with its alarms takes about 14 resources, 500 per stack)');
    }
    const placement = nestedStackOf(this.plan.services.map((p) => p.name), perStack);
    const order = stackSafeStartOrder(placement, new Map(this.plan.services.map((p) => [p.name, p.startAfter])), new Map(this.plan.services.map((p) => [p.name, p.dependsOn])));
    if (order.cycle) {
      throw fleetError(this, `depends_on runs both ways between nested stacks (${order.cycle.join(', ')}), which CloudFormation cannot order`,
        'reorder the file so that services come after what they depend on, or raise servicesPerNestedStack');
    }
    for (const { service, dependency } of order.dropped) {
      const warning: ComposeWarning = {
        key: 'depends_on',
        service,
        message: `${displayName}: service ${service}: does not wait for ${dependency}, which sits in another nested stack that already waits for ${service}'s stack `
          + `(the wait was inferred, not written in depends_on); if ${service} calls ${dependency} by name, restart it after the first deployment, `
          + `or list ${dependency} before ${service} in the file`,
      };
      this.warnings.push(warning);
      this.warn(this, warning, displayName);
    }
    const nested = new Map<string, NestedStack>();
    const nestedStack = (nestedId: string): NestedStack => {
      if (!nested.has(nestedId)) nested.set(nestedId, new NestedStack(this, nestedId));
      return nested.get(nestedId)!;
    };
    for (const plan of this.plan.services) {
      const nestedId = placement.get(plan.name);
      this.services[plan.name] = this.addService(nestedId === undefined ? this : nestedStack(nestedId), plan, props, displayName);
    }
    for (const service of Object.values(this.services)) namespaceCleanup.waitForDeletionOf(service.service);
    if ((props.publishPorts ?? true) && props.loadBalancer) this.publishPorts(props.loadBalancer, props.publishedPortCidrs, displayName);
    // Start order: CloudFormation creates (and waits for) the services whose Service Connect endpoints a service
    // calls before it (depends_on, names in its environment, servers before pure clients): ECS lets only tasks
    // started after an endpoint exists resolve it.
    for (const plan of this.plan.services) {
      for (const dep of order.startAfter.get(plan.name) ?? []) {
        const other = this.services[dep];
        if (other) this.services[plan.name].service.node.addDependency(other.service);
      }
    }
  }

  private addService(scope: Construct, plan: ServicePlan, props: ComposeProjectProps, displayName: string): FleetService {
    const image = plan.image.kind === 'override'
      ? props.images![plan.name]
      : plan.image.kind === 'registry'
        ? plan.image.reference
        : ecs.ContainerImage.fromAsset(plan.image.context, {
          file: plan.image.dockerfile, target: plan.image.target, buildArgs: plan.image.args,
          // A copy: the image asset appends its own patterns to the array it is given.
          exclude: plan.image.exclude && [...plan.image.exclude],
          // Never copy a file from outside the project into cdk.out (links out of it are refused before this).
          followSymlinks: plan.image.copyLinkTargets ? SymlinkFollowMode.EXTERNAL : SymlinkFollowMode.BLOCK_EXTERNAL,
        });
    const portName = (p: { containerPort: number; protocol: string }) => `p${p.containerPort}${p.protocol === 'udp' ? '-udp' : ''}`;
    const routed = plan.ports.find((p) => p.containerPort === plan.routedPort && p.protocol === 'tcp');
    const service = new FleetService(scope, plan.name, {
      cluster: props.cluster,
      image,
      ...containerOptionsOf(plan),
      containerName: containerNameOf(plan.name),
      networkMode: plan.networkMode,
      capacity: plan.capacity,
      // A cluster without NAT (QA's default) runs its instances in the public subnets with public addresses: Fargate
      // tasks follow it, as they could not pull images otherwise.
      fargate: isFargate(plan.capacity) && props.cluster.vpc.privateSubnets.length === 0 ? { assignPublicIp: true } : undefined,
      containerPort: routed?.containerPort,
      containerPortName: routed && portName(routed),
      additionalPorts: plan.ports.filter((p) => p !== routed).map((p) => ({
        containerPort: p.containerPort, protocol: p.protocol === 'udp' ? ecs.Protocol.UDP : ecs.Protocol.TCP, name: portName(p),
      })),
      // Every TCP port is published under the compose name (in lowercase: ECS names are); the proxy carries no UDP.
      serviceConnect: {
        namespace: this.namespace,
        services: plan.ports.filter((p) => p.protocol === 'tcp').map((p) => ({
          portMappingName: portName(p), discoveryName: `${plan.names.discoveryPrefix}-${p.containerPort}`, dnsName: plan.names.dnsName, port: p.containerPort,
        })),
      },
      ...loggingOptionsOf(plan.logging),
    });
    if (typeof image !== 'string') {
      acknowledgeFinding(service.taskDefinition, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'pulling from ECR (image assets, repositories) needs ecr:GetAuthorizationToken, which has no resource-level permissions; the pull actions themselves are scoped to the repository',
      });
    }
    for (const w of plan.warnings) this.warn(service, w, displayName);
    this.warnings.push(...plan.warnings);
    if (Object.keys(plan.environment).length > 0) {
      acknowledgeFinding(service.taskDefinition, {
        id: 'AwsSolutions-ECS2',
        reason: 'compose environment variables are plain configuration, as in the compose file; secret values go through compose secrets (Secrets Manager)',
      });
    }

    this.addMounts(plan, service);
    this.addSecretFiles(plan, service);
    this.addConfigFiles(plan, service, image);

    for (const route of plan.routes) {
      if (!props.loadBalancer) {
        throw fleetError(this, `service '${plan.name}' is routed (${route.host ?? ''}${route.path ?? ''}) but the project has no loadBalancer`, 'pass a FleetLoadBalancer in the loadBalancer prop');
      }
      const made = props.loadBalancer.route(service, { host: route.host, path: route.path, healthCheckPath: route.healthCheckPath });
      (this.routes[plan.name] ??= []).push(made);
      const host = made.host?.toLowerCase();
      if (props.zone && host && !/[*?]/.test(host) && isInZone(host, props.zone.zoneName)) {
        new route53.ARecord(service, `Dns-${host}`, {
          zone: props.zone,
          recordName: `${host}.`,
          target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(made.loadBalancer)),
        });
      }
    }
    return service;
  }

  /** Each published port on the entry point, with its URL as a stack output; ports the load balancer itself listens on are warned. */
  private publishPorts(loadBalancer: FleetLoadBalancer, cidrs: string[] | undefined, displayName: string): void {
    for (const plan of this.plan.services) {
      for (const port of plan.published) {
        const service = this.services[plan.name];
        const publishedPorts = this.published ??= new PublishedPorts(this, 'PublishedPorts', {
          loadBalancer, vpc: this.props.cluster.vpc, allowedCidrs: cidrs ?? [vpcCidrOf(this.props.cluster.vpc)],
        });
        // Served by the route made above (port 80 → the default route of the load balancer).
        if (port.published === ENTRY_PORT && port.protocol === 'tcp' && port.containerPort === plan.routedPort) continue;
        const protocol = port.protocol === 'udp' ? ecs.Protocol.UDP : ecs.Protocol.TCP;
        const taken = publishedPorts.takenBy(port.published, protocol);
        if (taken?.startsWith('the load balancer')) {
          const w: ComposeWarning = {
            key: 'ports', service: plan.name,
            message: `${displayName}: service ${plan.name}: ports: published port ${port.published} is not opened: it is ${taken}; `
              + 'route the service (DOMAIN or x-fleet.routes) to serve it there, or publish another port',
          };
          this.warn(service, w, displayName);
          this.warnings.push(w);
          continue;
        }
        const endpoint = publishedPorts.publish(service, { ...port, protocol });
        new CfnOutput(publishedPorts, `Url-${plan.name}-${port.published}${port.protocol === 'udp' ? '-udp' : ''}`, {
          value: endpoint.url,
          description: `Published port ${port.published}/${port.protocol} of compose service ${plan.name} (container port ${port.containerPort})`,
        });
      }
    }
  }

  private addMounts(plan: ServicePlan, service: FleetService): void {
    const added = new Set<string>();
    plan.mounts.forEach((mount, i) => {
      let sourceVolume: string;
      if (mount.kind === 'named' && this.props.namedVolumes === NamedVolumeStorage.EFS) {
        sourceVolume = volumeName(`efs-${mount.volume}`);
        if (!added.has(sourceVolume)) {
          added.add(sourceVolume);
          const accessPoint = this.accessPointFor(mount.volume);
          service.taskDefinition.addVolume({
            name: sourceVolume,
            efsVolumeConfiguration: {
              fileSystemId: accessPoint.fileSystem.fileSystemId,
              transitEncryption: 'ENABLED',
              authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
            },
          });
          // awsvpc and Fargate tasks mount from their own interface, behind the service's security group.
          if (service.securityGroup) this.fileSystem!.connections.allowDefaultPortFrom(service.securityGroup, `NFS from the tasks of ${service.node.path}`);
          // Root access: images such as postgres start as root and chown their data folder.
          this.fileSystem!.grant(service.taskDefinition.taskRole, 'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess');
        }
      } else if (mount.kind === 'named') {
        // Named like Compose does (<project>_<volume>), so two projects on one instance never share data by accident.
        sourceVolume = volumeName(`${this.plan.name}_${mount.volume}`);
        if (!added.has(sourceVolume)) {
          added.add(sourceVolume);
          service.taskDefinition.addVolume({
            name: sourceVolume,
            dockerVolumeConfiguration: { scope: ecs.Scope.SHARED, autoprovision: true, driver: 'local' },
          });
        }
      } else if (mount.kind === 'anonymous') {
        sourceVolume = `anonymous-${i}`;
        // Fargate has no Docker volumes; its task storage lives as long as the task too.
        service.taskDefinition.addVolume(service.taskDefinition.isEc2Compatible
          ? { name: sourceVolume, dockerVolumeConfiguration: { scope: ecs.Scope.TASK, driver: 'local' } }
          : { name: sourceVolume });
      } else {
        sourceVolume = `bind-${i}`;
        service.taskDefinition.addVolume({ name: sourceVolume, host: { sourcePath: mount.hostPath } });
      }
      service.container.addMountPoints({ sourceVolume, containerPath: mount.containerPath, readOnly: mount.readOnly });
    });
  }

  /**
   * Compose mounts secrets as files in /run/secrets. ECS only injects secrets as environment variables, so a
   * one-shot container receives them that way and writes the files into a task volume, which the service's
   * container mounts read-only; the service's container starts once the files are written.
   */
  private addSecretFiles(plan: ServicePlan, service: FleetService): void {
    if (plan.secrets.length === 0) return;
    const volume = 'compose-secrets';
    service.taskDefinition.addVolume({ name: volume });
    const env: Record<string, ecs.Secret> = {};
    const script: string[] = ['set -e', 'umask 077'];
    plan.secrets.forEach((s, i) => {
      env[`COMPOSE_SECRET_${i}`] = this.sealedSecrets.get(s.secret)?.ecsSecret() ?? ecs.Secret.fromSecretsManager(this.secrets[s.secret]);
      script.push(`printf '%s' "$COMPOSE_SECRET_${i}" > '${s.target}'`, `chmod ${s.mode.toString(8)} '${s.target}'`);
      if (s.uid !== undefined || s.gid !== undefined) script.push(`chown ${s.uid ?? 0}:${s.gid ?? 0} '${s.target}'`);
    });
    const init = service.taskDefinition.addContainer('secrets-init', {
      image: ecs.ContainerImage.fromRegistry(SECRETS_INIT_IMAGE),
      essential: false,
      memoryLimitMiB: 32,
      secrets: env,
      command: ['sh', '-c', script.join('\n')],
      logging: ecs.LogDrivers.awsLogs({ logGroup: service.logGroup, streamPrefix: 'secrets-init' }),
    });
    init.addMountPoints({ sourceVolume: volume, containerPath: '/run/secrets', readOnly: false });
    service.container.addMountPoints({ sourceVolume: volume, containerPath: '/run/secrets', readOnly: true });
    service.container.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.SUCCESS });
  }

  /**
   * Compose mounts configs as files anywhere (`/etc/prometheus/prometheus.yml`). ECS mounts volumes on folders
   * only, and a volume on `/etc/prometheus` would hide the rest of the image's folder. So a one-shot container
   * running the service's own image copies each target folder's image content into a task volume and writes the
   * config files into it (values from SSM, injected as environment variables); the service's container mounts
   * the volume on the folder and starts after it. The image needs `sh` and `cp` (distroless images have neither).
   */
  private addConfigFiles(plan: ServicePlan, service: FleetService, image: string | ecs.ContainerImage): void {
    if (plan.configs.length === 0) return;
    const folders = [...new Set(plan.configs.map((c) => path.posix.dirname(c.target)))];
    const env: Record<string, ecs.Secret> = {};
    const script: string[] = ['set -e'];
    folders.forEach((folder, i) => {
      script.push(`if [ -d '${folder}' ]; then cp -a '${folder}/.' /compose-configs/${i}/; fi`);
    });
    plan.configs.forEach((c, i) => {
      const out = `/compose-configs/${folders.indexOf(path.posix.dirname(c.target))}/${path.posix.basename(c.target)}`;
      env[`COMPOSE_CONFIG_${i}`] = ecs.Secret.fromSsmParameter(this.configs[c.config]);
      script.push(`printf '%s' "$COMPOSE_CONFIG_${i}" > '${out}'`, `chmod ${c.mode.toString(8)} '${out}'`);
      if (c.uid !== undefined || c.gid !== undefined) script.push(`chown ${c.uid ?? 0}:${c.gid ?? 0} '${out}'`);
    });
    const init = service.taskDefinition.addContainer('configs-init', {
      image: typeof image === 'string' ? ecs.ContainerImage.fromRegistry(image) : image,
      essential: false,
      memoryLimitMiB: 64,
      secrets: env,
      entryPoint: ['sh', '-c'],
      command: [script.join('\n')],
      user: '0',
      logging: ecs.LogDrivers.awsLogs({ logGroup: service.logGroup, streamPrefix: 'configs-init' }),
    });
    folders.forEach((folder, i) => {
      const volume = `compose-configs-${i}`;
      service.taskDefinition.addVolume({ name: volume });
      init.addMountPoints({ sourceVolume: volume, containerPath: `/compose-configs/${i}`, readOnly: false });
      service.container.addMountPoints({ sourceVolume: volume, containerPath: folder, readOnly: false });
    });
    service.container.addContainerDependencies({ container: init, condition: ecs.ContainerDependencyCondition.SUCCESS });
  }

  private configParameter(name: string, value: string, displayName: string): ssm.StringParameter {
    if (value === '') throw fleetError(this, `config '${name}' of ${displayName} is empty, and an SSM parameter cannot be`, 'give the config some content');
    if (Buffer.byteLength(value) > 8192) {
      throw fleetError(this, `config '${name}' of ${displayName} is ${Buffer.byteLength(value)} bytes, more than an SSM parameter holds (8 KB)`, 'bake the file into the image');
    }
    return new ssm.StringParameter(this, `Config-${name}`, {
      stringValue: value,
      description: `Compose config ${name} of ${displayName}`,
      // Standard parameters hold 4 KB; larger configs need the advanced tier (charged per parameter).
      tier: Buffer.byteLength(value) > 4096 ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
    });
  }

  private accessPointFor(volume: string): efs.AccessPoint {
    const existing = this.accessPoints.get(volume);
    if (existing) return existing;
    const cluster = this.props.cluster;
    let fileSystem = this.volumes;
    if (!fileSystem) {
      fileSystem = this.volumes = new efs.FileSystem(this, 'Volumes', {
        vpc: cluster.vpc,
        encrypted: true,
        // A QA VPC without NAT has only public subnets; mount targets get no public address either way.
        vpcSubnets: { subnetType: cluster.vpc.privateSubnets.length > 0 ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC },
        removalPolicy: this.props.volumeRemovalPolicy ?? RemovalPolicy.RETAIN,
      });
      fileSystem.connections.allowDefaultPortFrom(cluster.connections, `NFS from the instances of ${cluster.node.path}`);
    }
    const accessPoint = fileSystem.addAccessPoint(`Volume-${volume}`, {
      path: `/${volume}`,
      // Created world-writable so images that run as another user can use a fresh volume, as with Docker volumes.
      createAcl: { ownerUid: '0', ownerGid: '0', permissions: '777' },
    });
    this.accessPoints.set(volume, accessPoint);
    return accessPoint;
  }

  private generatedSecret(name: string, displayName: string): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, `Secret-${name}`, {
      description: `Compose secret ${name} of ${displayName}: generated at deployment; set your own value with put-secret-value`,
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
    });
    acknowledgeFinding(secret, {
      id: 'AwsSolutions-SMG4',
      reason: 'a compose secret is an application credential whose rotation depends on the application (e.g. a database password set at first start); no generic rotation Lambda can change it safely',
    });
    return secret;
  }

  private warn(scope: Construct, w: ComposeWarning, displayName: string): void {
    // The third argument (context) is recorded from aws-cdk-lib 2.276 on; earlier versions of the peer range take
    // two arguments and ignore a third, so it is passed through a wider signature rather than left out.
    const annotations = Annotations.of(scope);
    (annotations.addWarningV2 as (id: string, message: string, options?: unknown) => void).call(annotations, `${COMPOSE_WARNING_PREFIX}${w.key}`, w.message, {
      context: { file: displayName, key: w.key, ...(w.service ? { service: w.service } : {}) },
    });
  }
}

/** The container options of a service plan, as FleetService props. */
function containerOptionsOf(plan: ServicePlan): Partial<FleetServiceProps> {
  const hc = plan.healthCheck;
  const extraHosts: Record<string, string[]> = {};
  for (const h of plan.extraHosts) (extraHosts[h.hostname] ??= []).push(h.ipAddress);
  return {
    cpu: plan.cpu,
    memoryLimitMiB: plan.memoryLimitMiB,
    memoryReservationMiB: plan.memoryReservationMiB,
    // deploy.mode global: one task on every instance (a daemon service has no count).
    desiredCount: plan.deployment.global ? undefined : plan.desiredCount,
    placement: plan.deployment.global ? ServicePlacement.DAEMON : undefined,
    environment: plan.environment,
    command: plan.command,
    entryPoint: plan.entryPoint,
    healthCheck: hc && {
      command: hc.command,
      interval: Duration.seconds(hc.intervalSeconds),
      timeout: Duration.seconds(hc.timeoutSeconds),
      retries: hc.retries,
      startPeriod: hc.startPeriodSeconds !== undefined ? Duration.seconds(hc.startPeriodSeconds) : undefined,
    },
    minHealthyPercent: plan.deployment.minHealthyPercent,
    maxHealthyPercent: plan.deployment.maxHealthyPercent,
    rollbackOnFailure: plan.deployment.rollbackOnFailure,
    user: plan.user,
    workingDirectory: plan.workingDirectory,
    hostname: plan.hostname,
    dockerLabels: plan.dockerLabels,
    ulimits: plan.ulimits.map((u) => ({ name: u.name as ecs.UlimitName, softLimit: u.soft, hardLimit: u.hard })),
    addCapabilities: plan.capAdd as ecs.Capability[] | undefined,
    dropCapabilities: plan.capDrop as ecs.Capability[] | undefined,
    systemControls: plan.sysctls,
    privileged: plan.privileged,
    init: plan.init,
    readonlyRootFilesystem: plan.readOnlyRootFilesystem,
    sharedMemoryMiB: plan.sharedMemoryMiB,
    interactive: plan.interactive,
    pseudoTerminal: plan.pseudoTerminal,
    stopTimeout: plan.stopTimeoutSeconds !== undefined ? Duration.seconds(plan.stopTimeoutSeconds) : undefined,
    extraHosts: plan.extraHosts.length ? extraHosts : undefined,
    tmpfs: plan.tmpfs.map((t) => ({ containerPath: t.containerPath, size: t.sizeMiB, mountOptions: t.mountOptions as ecs.TmpfsMountOption[] })),
    swappiness: plan.swappiness,
    maxSwapMiB: plan.maxSwapMiB,
    devices: plan.devices.map((d) => ({
      hostPath: d.hostPath,
      containerPath: d.containerPath,
      permissions: d.permissions?.map((p) => ({ read: ecs.DevicePermission.READ, write: ecs.DevicePermission.WRITE, mknod: ecs.DevicePermission.MKNOD })[p]),
    })),
    gpuCount: plan.gpuCount,
  };
}

/**
 * The container's logging: awslogs always writes into the service's log group, with the options the file gives that
 * shape the records (date format, multi-line pattern, mode, buffer size); every other driver ECS accepts on EC2 is
 * passed with its options as written.
 */
function loggingOptionsOf(logging: LoggingPlan | undefined): Pick<FleetServiceProps, 'logDriver' | 'awsLogsOptions'> {
  if (!logging) return {};
  const o = logging.options;
  // awslogs: always the service's own group (translate-container.ts keeps only the options that shape the records).
  if (logging.driver === 'awslogs') {
    return {
      awsLogsOptions: {
        datetimeFormat: o['awslogs-datetime-format'],
        multilinePattern: o['awslogs-multiline-pattern'],
        mode: o.mode === 'non-blocking' ? ecs.AwsLogDriverMode.NON_BLOCKING : o.mode === 'blocking' ? ecs.AwsLogDriverMode.BLOCKING : undefined,
        maxBufferSize: o['max-buffer-size'] !== undefined ? Size.mebibytes(parseSizeMiB(o['max-buffer-size']) ?? 1) : undefined,
      },
    };
  }
  return { logDriver: new ecs.GenericLogDriver({ logDriver: logging.driver, options: o }) };
}

/** The VPC's CIDR as written when the VPC is made here (so security group checks can read it), else its token. */
function vpcCidrOf(vpc: ec2.IVpc): string {
  const cfn = vpc.node.defaultChild;
  return cfn instanceof ec2.CfnVPC && typeof cfn.cidrBlock === 'string' && !Token.isUnresolved(cfn.cidrBlock) ? cfn.cidrBlock : vpc.vpcCidrBlock;
}

/** ECS container names allow letters, digits, '-' and '_'; compose names also allow '.'. */
function containerNameOf(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** ECS volume names: letters, digits, '-' and '_', at most 255. */
function volumeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 255);
}

/** The outermost stack: a nested stack's name is a token, its parent's is the environment's name. */
function rootStackOf(scope: Construct): Stack {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
}

/** The `.env` beside the compose file (a regular file of at most 1 MiB), its errors naming it. */
function readDotEnv(file: string): Record<string, string> {
  const text = readProjectFile(file, MAX_ENV_FILE_BYTES, displayPath(file))?.toString('utf8');
  return text === undefined ? {} : parseEnvFile(text, undefined, displayPath(file));
}

function isInZone(host: string, zoneName: string): boolean {
  const zone = zoneName.toLowerCase().replace(/\.$/, '');
  return host === zone || host.endsWith(`.${zone}`);
}

/** The projects on each cluster, by name: a name is the project's folder on the instances, `/opt/compose/<name>`. */
const PROJECTS_ON_CLUSTER = new WeakMap<object, Map<string, string>>();

/**
 * Two projects on one cluster with one name would share `/opt/compose/<name>` and the named volumes under it: the
 * bind mounts the security policy admits as "the project's own" would be the other project's files (a branch's file
 * with `name: shop` beside a trusted `shop`). Refused, naming both.
 */
function claimProjectFolder(project: Construct, cluster: object, name: string): void {
  let names = PROJECTS_ON_CLUSTER.get(cluster);
  if (!names) {
    names = new Map();
    PROJECTS_ON_CLUSTER.set(cluster, names);
  }
  const other = names.get(name);
  if (other !== undefined) {
    throw fleetError(project, `compose project '${name}' runs on the same cluster as ${other}, which has that name too: both would use /opt/compose/${name} and its named volumes on the instances`,
      'give one of them another projectName, or run them on clusters of their own');
  }
  names.set(name, project.node.path);
}
