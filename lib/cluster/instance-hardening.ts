/**
 * What a FleetCluster's instances refuse to their containers, for clusters that run compose files nobody reviewed
 * (QA from any branch): the instance metadata service (where the instance role's credentials are) and privileged
 * containers (root on the instance, so every co-located task's credentials). The user data lines are built here from
 * lib/cluster/scripts/block-instance-metadata.sh, so what runs on the instance is what test/cluster ran.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct, IConstruct } from 'constructs';
import { installLines } from '../swarm/labels';
import { ECS_CONFIG_FILE } from './logging-drivers';

/**
 * How far the instances of a {@link FleetCluster} trust the containers they run.
 */
export interface InstanceHardening {
  /**
   * Drop every packet from a container on a Docker bridge network (`docker+` interfaces) to the instance metadata
   * service, 169.254.169.254, and have the agent block it for `awsvpc` tasks too (`ECS_AWSVPC_BLOCK_IMDS`).
   *
   * The instance metadata service hands out the instance role's credentials. IMDSv2 with hop limit 1 already keeps a
   * bridge container from getting a session token; this rule (the one the ECS Developer Guide gives for bridge-mode
   * tasks) holds even if the hop limit is raised or IMDSv1 comes back. Tasks keep their own credentials: the
   * agent serves them on 169.254.170.2, which the rule does not touch. A container that reads its Availability Zone
   * or region from instance metadata must use the task metadata endpoint (`ECS_CONTAINER_METADATA_URI_V4`) instead.
   *
   * @default true
   */
  readonly blockInstanceMetadataFromContainers?: boolean;

  /**
   * Have the ECS agent refuse privileged containers (`ECS_DISABLE_PRIVILEGED=true`): a privileged container is root
   * on the instance, with the instance role and every co-located task's credentials.
   *
   * A task definition with a privileged container would never be placed (the instances stop advertising the
   * capability), so synthesis fails when a service on this cluster asks for one.
   *
   * @default false, so existing services with `privileged: true` keep running; QaEnvironment turns it on
   */
  readonly disablePrivilegedContainers?: boolean;
}

/** Where the script is installed on the instance, and the unit that runs it after every start of Docker. */
export const BLOCK_INSTANCE_METADATA_PATH = '/usr/local/sbin/fleet-block-instance-metadata';
export const BLOCK_INSTANCE_METADATA_UNIT = 'fleet-block-instance-metadata.service';

/** The script as it is in the repository (and in the package, beside this module). */
export function blockInstanceMetadataScript(): string {
  return fs.readFileSync(path.join(__dirname, 'scripts', 'block-instance-metadata.sh'), 'utf8');
}

/** The settings in force: the defaults of {@link InstanceHardening} filled in. */
export function resolveHardening(hardening: InstanceHardening = {}): Required<InstanceHardening> {
  return {
    blockInstanceMetadataFromContainers: hardening.blockInstanceMetadataFromContainers ?? true,
    disablePrivilegedContainers: hardening.disablePrivilegedContainers ?? false,
  };
}

/**
 * The user data lines of `hardening`: the script written to disk byte for byte and installed as a systemd unit, and
 * the agent's settings appended to ecs.config (a later line for the same key wins, and no other line sets these).
 */
export function instanceHardeningUserData(hardening: InstanceHardening = {}): string[] {
  const settings = resolveHardening(hardening);
  const lines: string[] = [];
  if (settings.blockInstanceMetadataFromContainers) {
    lines.push(
      ...installLines({ path: BLOCK_INSTANCE_METADATA_PATH, content: blockInstanceMetadataScript() }),
      `${BLOCK_INSTANCE_METADATA_PATH} install`,
      // ecs-init's default already; written so that nothing later turns off the credentials tasks use instead.
      `echo 'ECS_ENABLE_TASK_IAM_ROLE=true' >> ${ECS_CONFIG_FILE}`,
      `echo 'ECS_AWSVPC_BLOCK_IMDS=true' >> ${ECS_CONFIG_FILE}`,
    );
  }
  if (settings.disablePrivilegedContainers) {
    lines.push(`echo 'ECS_DISABLE_PRIVILEGED=true' >> ${ECS_CONFIG_FILE}`);
  }
  return lines;
}

/**
 * Fails synthesis when a service placed on `cluster` runs a privileged container while the instances refuse them:
 * ECS would never place its tasks and the deployment would wait for them until CloudFormation gives up.
 */
export function refusePrivilegedServices(scope: Construct, cluster: ecs.ICluster): void {
  scope.node.addValidation({
    validate: () => {
      const problems: string[] = [];
      for (const node of scope.node.root.node.findAll()) {
        if (!(node instanceof ecs.BaseService) || node.cluster !== cluster) continue;
        for (const container of containersOf(node.taskDefinition)) {
          if (container.renderContainerDefinition().privileged !== true) continue;
          problems.push(`${node.node.path}: container '${container.containerName}' is privileged, but the instances of ${scope.node.path} `
            + 'refuse privileged containers (hardening.disablePrivilegedContainers), so ECS would never place its tasks. '
            + 'Fix: drop privileged (add only the capabilities it needs with cap_add), or run it on a cluster that allows privileged containers.');
        }
      }
      return problems;
    },
  });
}

function containersOf(taskDefinition: IConstruct): ecs.ContainerDefinition[] {
  return taskDefinition.node.children.filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition);
}
