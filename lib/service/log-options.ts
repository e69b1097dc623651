import { Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * Options of a {@link FleetService}'s default CloudWatch Logs (awslogs) driver: the four of `ecs.AwsLogDriverProps`
 * that are not the log group and stream prefix, which the service sets itself.
 */
export interface FleetAwsLogsOptions {
  /**
   * Start of a multi-line log event, in Python strftime format (for example `%Y-%m-%d %H:%M:%S`).
   *
   * @default - no multi-line matching: one event per line
   */
  readonly datetimeFormat?: string;
  /**
   * Start of a multi-line log event, as a regular expression. Ignored when `datetimeFormat` is given.
   *
   * @default - no multi-line matching: one event per line
   */
  readonly multilinePattern?: string;
  /**
   * Delivery mode: NON_BLOCKING keeps a container running when CloudWatch Logs is slow, at the risk of losing lines
   * when the buffer is full.
   *
   * @default - ecs.AwsLogDriverMode.BLOCKING
   */
  readonly mode?: ecs.AwsLogDriverMode;
  /**
   * Size of the non-blocking buffer (NON_BLOCKING mode only).
   *
   * @default - 1 MiB in NON_BLOCKING mode
   */
  readonly maxBufferSize?: Size;
}
