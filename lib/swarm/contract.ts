/**
 * What the swarm constructs (SwarmCluster, SwarmNodeGroup, their node parts) and the swarm node drainer share: the
 * tag keys on every node and the registry settings type. A leaf module with no CDK imports, so swarm-cluster and
 * node-parts both import it instead of each other.
 */

/**
 * Tag keys every node carries; the drainer's EC2 queries find managers by them. Not a permission: anyone allowed to tag
 * an instance can copy them, so IAM limits Run Command by the manager group's `aws:autoscaling:groupName` instead.
 */
export const SWARM_TAG = 'swarm:cluster';
export const SWARM_ROLE_TAG = 'swarm:node-role';

/** Registry settings written into every node's `/etc/docker/daemon.json`. */
export interface SwarmRegistryOptions {
  /**
   * Pull-through mirrors of Docker Hub (`registry-mirrors`), for example a private registry in the VPC.
   *
   * @default - none: images come from their registries directly
   */
  readonly mirrors?: string[];
  /**
   * Registries reached over plain HTTP or with a certificate the instance does not trust (`insecure-registries`).
   * Only for registries inside the VPC; a warning is emitted because pulls from them are not authenticated.
   *
   * @default - none
   */
  readonly insecureRegistries?: string[];
}
