/**
 * On-demand list prices in USD for the resources the review report prices, per region. They ship with the package so
 * the report needs no network; they are transcribed from AWS's public pricing pages (sources below) and dated: a
 * report always prints the date, and prices AWS changed since then are not reflected. Linux, shared tenancy, no
 * Savings Plans, Reserved Instances, Spot or free tier.
 */
export const PRICES_AS_OF = '2025-06-01';

export const PRICE_SOURCES: Record<string, string> = {
  ec2: 'https://aws.amazon.com/ec2/pricing/on-demand/',
  ebs: 'https://aws.amazon.com/ebs/pricing/',
  elb: 'https://aws.amazon.com/elasticloadbalancing/pricing/',
  vpc: 'https://aws.amazon.com/vpc/pricing/ (NAT gateway, public IPv4 address)',
  cloudwatch: 'https://aws.amazon.com/cloudwatch/pricing/',
  efs: 'https://aws.amazon.com/efs/pricing/',
  route53: 'https://aws.amazon.com/route53/pricing/',
  kms: 'https://aws.amazon.com/kms/pricing/',
  secretsmanager: 'https://aws.amazon.com/secrets-manager/pricing/',
};

/** One region's prices. */
export interface RegionPrices {
  /** USD per instance-hour, Linux on-demand. */
  readonly instanceHour: Record<string, number>;
  /** USD per GB-month of gp3. */
  readonly gp3GbMonth: number;
  /** USD per hour of an Application Load Balancer, and per LCU-hour. */
  readonly albHour: number;
  readonly albLcuHour: number;
  /** USD per hour of a Network Load Balancer, and per NLCU-hour. */
  readonly nlbHour: number;
  readonly nlbLcuHour: number;
  /** USD per NAT gateway-hour, and per GB it processes. */
  readonly natHour: number;
  readonly natGb: number;
  /** USD per GB of CloudWatch Logs ingested (standard class). */
  readonly logsGb: number;
  /** USD per GB-month of EFS Standard storage. */
  readonly efsGbMonth: number;
}

/** Prices that are the same in every region listed here. */
export const GLOBAL_PRICES = {
  /** Public IPv4 address, in use or idle, per hour (since 2024-02-01). */
  publicIpv4Hour: 0.005,
  /** Standard-resolution alarm, per metric it watches (a metric-math alarm over two metrics costs two), per month. */
  alarmMonth: 0.10,
  /** Custom dashboard, per month (the first three of an account are free: not counted here). */
  dashboardMonth: 3.00,
  /** Hosted zone, per month (first 25). */
  hostedZoneMonth: 0.50,
  /** Health check of an AWS endpoint, per month (HTTPS, string matching and latency measurement cost more). */
  healthCheckMonth: 0.50,
  /** Customer managed KMS key, per month. */
  kmsKeyMonth: 1.00,
  /** Secrets Manager secret, per month. */
  secretMonth: 0.40,
};

const T3 = (micro: number) => ({ 't3.micro': micro, 't3.small': micro * 2, 't3.medium': micro * 4, 't3.large': micro * 8, 't3.xlarge': micro * 16 });

export const REGION_PRICES: Record<string, RegionPrices> = {
  'us-east-1': {
    instanceHour: { ...T3(0.0104), 'm5.large': 0.096, 'm6i.large': 0.096, 'c5.large': 0.085, 'c6i.large': 0.085, 'm7g.large': 0.0816, 't4g.small': 0.0168, 't4g.medium': 0.0336 },
    gp3GbMonth: 0.08, albHour: 0.0225, albLcuHour: 0.008, nlbHour: 0.0225, nlbLcuHour: 0.006, natHour: 0.045, natGb: 0.045, logsGb: 0.50, efsGbMonth: 0.30,
  },
  'eu-west-1': {
    instanceHour: { ...T3(0.0114), 'm5.large': 0.107, 'm6i.large': 0.107, 'c5.large': 0.096, 'c6i.large': 0.096, 'm7g.large': 0.0892, 't4g.small': 0.0184, 't4g.medium': 0.0368 },
    gp3GbMonth: 0.088, albHour: 0.0252, albLcuHour: 0.008, nlbHour: 0.0252, nlbLcuHour: 0.006, natHour: 0.048, natGb: 0.048, logsGb: 0.57, efsGbMonth: 0.33,
  },
  'ap-southeast-2': {
    instanceHour: { ...T3(0.0132), 'm5.large': 0.12, 'm6i.large': 0.12, 'c5.large': 0.111, 'c6i.large': 0.111, 'm7g.large': 0.1016, 't4g.small': 0.0212, 't4g.medium': 0.0424 },
    gp3GbMonth: 0.096, albHour: 0.0252, albLcuHour: 0.008, nlbHour: 0.0252, nlbLcuHour: 0.006, natHour: 0.059, natGb: 0.059, logsGb: 0.70, efsGbMonth: 0.36,
  },
};

/** The region a stack without a region (environment-agnostic) or with an unlisted one is priced as. */
export const FALLBACK_REGION = 'us-east-1';
