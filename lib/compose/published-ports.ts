import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { acknowledgeFinding } from '../acknowledge';
import { fleetError } from '../errors';
import { FleetLoadBalancer } from '../routing/fleet-load-balancer';
import { FleetService } from '../service/fleet-service';
import { FleetNetworkMode } from '../service/networking';

/** Properties of {@link PublishedPorts}. */
export interface PublishedPortsProps {
  /** The environment's entry point: HTTP ports become listeners of its (first) Application Load Balancer. */
  readonly loadBalancer: FleetLoadBalancer;
  /** The VPC of the services (for target groups and the Network Load Balancer). */
  readonly vpc: ec2.IVpc;
  /** Client ranges admitted on the published ports. */
  readonly allowedCidrs: string[];
}

/** One published port to open. */
export interface PublishedPortOptions {
  /** The port clients use (compose's host port). */
  readonly published: number;
  /** The container port it forwards to. */
  readonly containerPort: number;
  /** Transport protocol (`ecs.Protocol.UDP` is refused: see {@link PublishedPorts.publish}). */
  readonly protocol: ecs.Protocol;
  /** Whether the port speaks HTTP: a listener of the Application Load Balancer; else the Network Load Balancer. */
  readonly http: boolean;
}

/** A published port, opened. */
export interface PublishedEndpoint {
  readonly service: FleetService;
  readonly published: number;
  /** Transport protocol of the listener. */
  readonly protocol: ecs.Protocol;
  /** `http://<alb dns>:<port>`, `tcp://<nlb dns>:<port>` or `udp://<nlb dns>:<port>`. */
  readonly url: string;
  readonly listener: elbv2.ApplicationListener | elbv2.NetworkListener;
}

/** Listeners per load balancer (Elastic Load Balancing quotas, ALB and NLB alike). */
const MAX_LISTENERS = 50;

/** The dynamic (ephemeral) host port range of bridge-mode tasks. */
const DYNAMIC_HOST_PORTS = { from: 32768, to: 65535 };

/**
 * Compose's published ports (`ports: ["8081:80"]`, reachable as `localhost:8081` on a laptop) on the environment's
 * entry point: an HTTP port becomes a listener on that port of the FleetLoadBalancer's Application Load Balancer,
 * a TCP or UDP port a listener of one Network Load Balancer made for the purpose; each forwards to the service's
 * container port, admits only `allowedCidrs`, and the instances admit the load balancers on the dynamic host ports.
 * Uses only FleetLoadBalancer's public fields (its load balancer, security group and access log bucket).
 */
export class PublishedPorts extends Construct {
  /** The opened ports. */
  public readonly endpoints: PublishedEndpoint[] = [];
  /** The Network Load Balancer, once a TCP or UDP port is published. */
  public networkLoadBalancer?: elbv2.NetworkLoadBalancer;

  private readonly props: PublishedPortsProps;
  private nlbSecurityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: PublishedPortsProps) {
    super(scope, id);
    this.props = props;
    for (const cidr of props.allowedCidrs) {
      if (/\/0$/.test(cidr)) throw fleetError(this, `allowedCidrs holds ${cidr}, which opens published ports to everyone`, 'list only the client ranges that need them');
    }
  }

  /** Whether `published`/`protocol` is already taken (by the load balancer's own listeners or an earlier port), and by what. */
  public takenBy(published: number, protocol: ecs.Protocol): string | undefined {
    const other = this.endpoints.find((e) => e.published === published && e.protocol === protocol);
    if (other) return `service ${other.service.node.id}`;
    if (protocol === ecs.Protocol.TCP && this.props.loadBalancer.loadBalancer.listeners.some((l) => l.port === published)) {
      return `the load balancer's own listener on ${published}`;
    }
    return undefined;
  }

  /** Opens `port` of `service` on the entry point. Throws when the port is already taken. */
  public publish(service: FleetService, port: PublishedPortOptions): PublishedEndpoint {
    if (port.protocol === ecs.Protocol.UDP) {
      // The UDP target group's health check is TCP on the dynamic host port: a UDP-only container fails it, ECS (which
      // counts the target group's health) replaces the tasks until the circuit breaker fails the deployment.
      throw fleetError(this, `${service.node.id} publishes UDP port ${port.published}, whose network load balancer health check (TCP on the task's dynamic host port) a UDP-only container never passes, so ECS would replace its tasks until the deployment fails`,
        'leave the UDP port unpublished (compose projects warn and skip it)');
    }
    const taken = this.takenBy(port.published, port.protocol);
    if (taken) {
      throw fleetError(this, `${service.node.id} publishes port ${port.published}/${port.protocol}, which ${taken} already uses`, 'publish it on another host port');
    }
    const endpoint = port.http && port.protocol === ecs.Protocol.TCP ? this.httpListener(service, port) : this.networkListener(service, port);
    this.endpoints.push(endpoint);
    return endpoint;
  }

  private httpListener(service: FleetService, port: PublishedPortOptions): PublishedEndpoint {
    const { loadBalancer: fleetLb } = this.props;
    const alb = fleetLb.loadBalancer;
    if (alb.listeners.length >= MAX_LISTENERS) {
      throw fleetError(this, `${service.node.id} publishes port ${port.published}, but the load balancer already has ${alb.listeners.length} listeners (the ALB quota is ${MAX_LISTENERS})`,
        'publish fewer ports (route services by DOMAIN or x-fleet.routes instead), or set publishPorts: false');
    }
    const scope = new Construct(this, `${service.node.id}-${port.published}`);
    const targetGroup = new elbv2.ApplicationTargetGroup(scope, 'TargetGroup', {
      vpc: this.props.vpc,
      port: port.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: targetTypeOf(service),
      // Whatever the application answers on / counts: the port is published as is, not a routed web service.
      healthCheck: { path: '/', healthyHttpCodes: '200-499' },
      targets: [service.service.loadBalancerTarget({ containerName: service.container.containerName, containerPort: port.containerPort })],
    });
    const listener = alb.addListener(`Published${port.published}`, {
      port: port.published,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.forward([targetGroup]),
    });
    for (const peer of this.peers()) fleetLb.securityGroup.addIngressRule(peer, ec2.Port.tcp(port.published), `published port ${port.published} of ${service.node.id}`);
    service.connections.allowFrom(fleetLb.securityGroup, taskPorts(service, port.containerPort, false), `from load balancer ${fleetLb.node.path} to ${taskPortsName(service)}`);
    // The target group must be attached to a listener before the service registers with it.
    service.service.node.addDependency(listener);
    return { service, published: port.published, protocol: ecs.Protocol.TCP, url: `http://${alb.loadBalancerDnsName}:${port.published}`, listener };
  }

  private networkListener(service: FleetService, port: PublishedPortOptions): PublishedEndpoint {
    const nlb = this.nlb();
    const udp = port.protocol === ecs.Protocol.UDP;
    if (this.endpoints.filter((e) => e.listener instanceof elbv2.NetworkListener).length >= MAX_LISTENERS) {
      throw fleetError(this, `${service.node.id} publishes port ${port.published}/${port.protocol}, but the network load balancer already has ${MAX_LISTENERS} listeners (its quota)`,
        'publish fewer ports, or set publishPorts: false');
    }
    const scope = new Construct(this, `${service.node.id}-${port.published}${udp ? '-udp' : ''}`);
    const targetGroup = new elbv2.NetworkTargetGroup(scope, 'TargetGroup', {
      vpc: this.props.vpc,
      port: port.containerPort,
      protocol: udp ? elbv2.Protocol.UDP : elbv2.Protocol.TCP,
      targetType: targetTypeOf(service),
      targets: [service.service.loadBalancerTarget({
        containerName: service.container.containerName, containerPort: port.containerPort, protocol: udp ? ecs.Protocol.UDP : ecs.Protocol.TCP,
      })],
    });
    const listener = nlb.addListener(`Published${port.published}${udp ? 'Udp' : ''}`, {
      port: port.published,
      protocol: udp ? elbv2.Protocol.UDP : elbv2.Protocol.TCP,
      defaultAction: elbv2.NetworkListenerAction.forward([targetGroup]),
    });
    const group = this.nlbSecurityGroup!;
    const range = taskPorts(service, port.containerPort, udp);
    for (const peer of this.peers()) group.addIngressRule(peer, udp ? ec2.Port.udp(port.published) : ec2.Port.tcp(port.published), `published port ${port.published} of ${service.node.id}`);
    service.connections.allowFrom(group, range, `from network load balancer ${this.node.path} to ${taskPortsName(service)}`);
    // Health checks reach the instances over TCP on the traffic port.
    if (udp) service.connections.allowFrom(group, taskPorts(service, port.containerPort, false), `health checks of network load balancer ${this.node.path}`);
    service.service.node.addDependency(listener);
    return { service, published: port.published, protocol: port.protocol, url: `${port.protocol}://${nlb.loadBalancerDnsName}:${port.published}`, listener };
  }

  private nlb(): elbv2.NetworkLoadBalancer {
    if (this.networkLoadBalancer) return this.networkLoadBalancer;
    const vpc = this.props.vpc;
    // The same scheme as the environment's load balancer (read from its resource's public properties).
    const scheme = (this.props.loadBalancer.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer | undefined)?.scheme;
    const internetFacing = scheme === 'internet-facing' && vpc.publicSubnets.length > 0;
    this.nlbSecurityGroup = new ec2.SecurityGroup(this, 'NetworkSecurityGroup', {
      vpc,
      description: `Network load balancer of the published ports of ${this.node.path}`,
      allowAllOutbound: false,
    });
    this.networkLoadBalancer = new elbv2.NetworkLoadBalancer(this, 'NetworkLoadBalancer', {
      vpc,
      internetFacing,
      // Internal in a VPC without private subnets (QA without NAT): the public subnets, with no public address.
      vpcSubnets: { subnetType: internetFacing || vpc.privateSubnets.length === 0 ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.nlbSecurityGroup],
      crossZoneEnabled: true,
    });
    const bucket = this.props.loadBalancer.accessLogBucket;
    if (bucket) {
      this.networkLoadBalancer.logAccessLogs(bucket, `${this.node.id}-nlb`);
    } else {
      acknowledgeFinding(this.networkLoadBalancer, {
        id: 'AwsSolutions-ELB2',
        reason: 'the FleetLoadBalancer these ports belong to has access logs turned off; the network load balancer follows it',
      });
    }
    return this.networkLoadBalancer;
  }

  private peers(): ec2.IPeer[] {
    return this.props.allowedCidrs.map((c) => (c.includes(':') ? ec2.Peer.ipv6(c) : ec2.Peer.ipv4(c)));
  }
}

/** awsvpc tasks are registered by IP, bridge-mode ones by instance. */
function targetTypeOf(service: FleetService): elbv2.TargetType {
  return service.networkMode === FleetNetworkMode.AWS_VPC ? elbv2.TargetType.IP : elbv2.TargetType.INSTANCE;
}

/** Where a load balancer reaches a task: its container port (awsvpc) or the instances' dynamic host ports (bridge). */
function taskPorts(service: FleetService, containerPort: number, udp: boolean): ec2.Port {
  if (service.networkMode === FleetNetworkMode.AWS_VPC) return udp ? ec2.Port.udp(containerPort) : ec2.Port.tcp(containerPort);
  return udp ? ec2.Port.udpRange(DYNAMIC_HOST_PORTS.from, DYNAMIC_HOST_PORTS.to) : ec2.Port.tcpRange(DYNAMIC_HOST_PORTS.from, DYNAMIC_HOST_PORTS.to);
}

function taskPortsName(service: FleetService): string {
  return service.networkMode === FleetNetworkMode.AWS_VPC ? "the tasks' port" : 'dynamic host ports';
}
