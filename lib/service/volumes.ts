import * as path from 'path';
import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { fleetError } from '../errors';

/** An Amazon EFS file system mounted into a {@link FleetService}'s container. */
export interface FleetEfsVolume {
  /** The file system. Its security group is opened to the cluster's instances on NFS (2049), which mount it. */
  readonly fileSystem: efs.IFileSystem;

  /** Where the file system appears in the container (absolute). */
  readonly containerPath: string;

  /**
   * The access point to mount through: it fixes the folder and the POSIX user, so services sharing a file system
   * each see only their own part of it.
   *
   * @default - the file system's root, as the container's own user
   */
  readonly accessPoint?: efs.IAccessPoint;

  /**
   * Mount read-only: the container cannot write, and the task role is granted `ClientMount` only.
   *
   * @default false
   */
  readonly readOnly?: boolean;

  /**
   * Encrypt the NFS traffic between the instance and EFS with TLS (needed for an access point and IAM authorization).
   *
   * @default true
   */
  readonly transitEncryption?: boolean;

  /**
   * Mount with the task's IAM role, so the file system policy can admit exactly this service (the task role is
   * granted `elasticfilesystem:ClientMount`, and `ClientWrite` unless read-only, on this file system and, when given,
   * this access point). Needs transit encryption.
   *
   * @default - true when transit encryption is on
   */
  readonly iamAuthorization?: boolean;
}

/** A folder of the instance mounted into a {@link FleetService}'s container (a bind mount). */
export interface FleetHostVolume {
  /**
   * The folder on the instance (absolute). Its content belongs to whichever instance runs the task: it does not
   * follow the task to another instance. Docker creates it empty when it does not exist.
   */
  readonly sourcePath: string;

  /** Where the folder appears in the container (absolute). */
  readonly containerPath: string;

  /**
   * Mount read-only.
   *
   * @default false
   */
  readonly readOnly?: boolean;
}

/** What {@link addServiceVolumes} mounts, and where the grants and network access go. */
export interface ServiceVolumes {
  readonly efsVolumes?: FleetEfsVolume[];
  readonly hostVolumes?: FleetHostVolume[];
}

/** Why `p` is not an absolute, normalized path, or undefined when it is (or is a token). */
export function absolutePathProblem(p: string): string | undefined {
  if (Token.isUnresolved(p)) return undefined;
  if (!p.startsWith('/')) return 'is not absolute';
  if (p.split('/').includes('..')) return "contains '..'";
  return undefined;
}

/** Throws for paths that are not absolute, and for two volumes mounted at the same container path. */
export function checkServiceVolumes(scope: Construct, volumes: ServiceVolumes): void {
  const seen = new Map<string, string>();
  const check = (where: string, name: string, value: string, example: string) => {
    const problem = absolutePathProblem(value);
    if (problem) throw fleetError(scope, `${where}.${name} '${value}' ${problem}`, `give an absolute path such as '${example}'`);
  };
  const mountedAt = (where: string, containerPath: string) => {
    if (Token.isUnresolved(containerPath)) return;
    const key = path.posix.normalize(containerPath).replace(/(.)\/$/, '$1');
    const other = seen.get(key);
    if (other) throw fleetError(scope, `${where} mounts at ${key}, where ${other} is already mounted`, 'give each volume its own containerPath');
    seen.set(key, where);
  };
  (volumes.efsVolumes ?? []).forEach((v, i) => {
    const where = `efsVolumes[${i}]`;
    check(where, 'containerPath', v.containerPath, '/data');
    mountedAt(where, v.containerPath);
    const encrypted = v.transitEncryption ?? true;
    if (!encrypted && v.accessPoint) {
      throw fleetError(scope, `${where}: an access point needs transit encryption, which is off`, 'leave transitEncryption on (the default)');
    }
    if (!encrypted && v.iamAuthorization) {
      throw fleetError(scope, `${where}: IAM authorization needs transit encryption, which is off`, 'leave transitEncryption on (the default), or iamAuthorization off');
    }
  });
  (volumes.hostVolumes ?? []).forEach((v, i) => {
    const where = `hostVolumes[${i}]`;
    check(where, 'sourcePath', v.sourcePath, '/srv/cache');
    check(where, 'containerPath', v.containerPath, '/cache');
    mountedAt(where, v.containerPath);
  });
}

/**
 * Adds the volumes to the task definition and mounts them in `container`. For EFS: the file system's security group
 * admits `instances` (the cluster's, which mount it in bridge mode) on NFS, and with IAM authorization the task role
 * may mount (and write, unless read-only) this file system only, through the given access point only.
 */
export function addServiceVolumes(taskDefinition: ecs.TaskDefinition, container: ecs.ContainerDefinition, mounters: readonly ec2.IConnectable[], volumes: ServiceVolumes): void {
  (volumes.efsVolumes ?? []).forEach((v, i) => {
    const name = `efs-${i}`;
    const encrypted = v.transitEncryption ?? true;
    const iamAuthorization = v.iamAuthorization ?? encrypted;
    taskDefinition.addVolume({
      name,
      efsVolumeConfiguration: {
        fileSystemId: v.fileSystem.fileSystemId,
        transitEncryption: encrypted ? 'ENABLED' : 'DISABLED',
        authorizationConfig: v.accessPoint || iamAuthorization
          ? { accessPointId: v.accessPoint?.accessPointId, iam: iamAuthorization ? 'ENABLED' : 'DISABLED' }
          : undefined,
      },
    });
    container.addMountPoints({ sourceVolume: name, containerPath: v.containerPath, readOnly: v.readOnly ?? false });
    // The instances mount for bridge tasks; an awsvpc task mounts from its own interface, behind the service's group
    // (AWS: the file system must admit NFS "from the ECS container instance and the ECS task").
    for (const m of mounters) v.fileSystem.connections.allowDefaultPortFrom(m, `NFS from what mounts it for ${container.node.path}`);
    if (iamAuthorization) {
      taskDefinition.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: v.readOnly ? ['elasticfilesystem:ClientMount'] : ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
        resources: [v.fileSystem.fileSystemArn],
        conditions: {
          Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' },
          ...(v.accessPoint ? { StringEquals: { 'elasticfilesystem:AccessPointArn': v.accessPoint.accessPointArn } } : {}),
        },
      }));
    }
  });
  (volumes.hostVolumes ?? []).forEach((v, i) => {
    const name = `host-${i}`;
    taskDefinition.addVolume({ name, host: { sourcePath: v.sourcePath } });
    container.addMountPoints({ sourceVolume: name, containerPath: v.containerPath, readOnly: v.readOnly ?? false });
  });
}
