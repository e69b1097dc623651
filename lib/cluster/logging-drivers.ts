/**
 * Which Docker log drivers a container instance of a FleetCluster advertises to ECS. Pure, no CDK: shared by
 * the cluster (which writes the agent's configuration) and the compose import (which accepts the same drivers).
 *
 * ECS places a task only on an instance whose agent registered `com.amazonaws.ecs.capability.logging-driver.<name>`
 * for every log driver of the task, and the agent registers only the drivers listed in `ECS_AVAILABLE_LOGGING_DRIVERS`
 * (ECS API reference, LogConfiguration). ecs-init, which starts the agent on the ECS-optimized AMI, defaults that list
 * to json-file, syslog, awslogs, fluentd and none, and the AMI ships an empty /etc/ecs/ecs.config, so without this
 * line a task with journald, gelf or splunk never finds an instance.
 */

/**
 * The log drivers ECS accepts in a task definition for tasks on EC2 instances (ECS API reference,
 * LogConfiguration.logDriver), without `awsfirelens`: the agent advertises that one on every Linux instance by itself
 * and ignores it in `ECS_AVAILABLE_LOGGING_DRIVERS`. Every one is built into the Docker Engine of the ECS-optimized
 * Amazon Linux 2023 AMI. (`logentries`, which older API versions listed, left Docker in version 25.)
 */
export const EC2_LOG_DRIVERS = ['json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk'] as const;

/** A log driver ECS accepts for tasks on EC2 instances. */
export type Ec2LogDriver = (typeof EC2_LOG_DRIVERS)[number];

/**
 * What the instances advertise: every driver of {@link EC2_LOG_DRIVERS}, plus `none`, which ecs-init's default list
 * holds too, so the line only ever adds to what the AMI advertised.
 */
export const AGENT_LOGGING_DRIVERS: readonly string[] = [...EC2_LOG_DRIVERS, 'none'];

/** The agent's configuration file on the ECS-optimized AMI, read by ecs-init when it starts the agent. */
export const ECS_CONFIG_FILE = '/etc/ecs/ecs.config';

/**
 * The ecs.config line: `ECS_AVAILABLE_LOGGING_DRIVERS=` and a JSON array, as the agent requires (ECS Developer Guide,
 * "Amazon ECS container agent configuration"). ecs-init takes everything after the first `=` literally, without shell
 * quoting, and a later line for the same key wins.
 */
export function loggingDriversConfigLine(): string {
  return `ECS_AVAILABLE_LOGGING_DRIVERS=${JSON.stringify(AGENT_LOGGING_DRIVERS)}`;
}

/**
 * The user data command that appends {@link loggingDriversConfigLine} to ecs.config. Single quotes keep the JSON's
 * double quotes; driver names are lower-case letters and hyphens, so none can end the quoting.
 */
export function loggingDriversUserDataCommand(): string {
  return `echo '${loggingDriversConfigLine()}' >> ${ECS_CONFIG_FILE}`;
}
