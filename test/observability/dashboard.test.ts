import { NestedStack, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { FleetCluster, FleetDashboard, FleetLoadBalancer, FleetService } from '../../lib';
import { AsgDnsUpdater } from '../../lib/dns/asg-dns-updater';
import { testStack } from '../support/fixtures';

/** The dashboard body with references replaced by their logical ids, parsed. */
function body(stack: Stack, index = 0): any {
  const dashboards = Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  const parts = dashboards[index].Properties.DashboardBody['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : `<${JSON.stringify(p)}>`.replace(/"/g, "'")));
  return JSON.parse(parts.join(''));
}

function environment(services = 1, routed = true) {
  const stack = testStack();
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
  const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, accessLogs: false });
  const made = Array.from({ length: services }, (_, i) => {
    const service = new FleetService(stack, `web${i}`, { cluster, image: 'nginx:1.27', containerPort: 80 });
    if (routed) lb.route(service, { path: `/web${i}/*` });
    return service;
  });
  const dashboard = new FleetDashboard(stack, 'Dashboard', { cluster, loadBalancer: lb });
  for (const s of made) dashboard.addService(s);
  return { stack, dashboard, cluster, lb, services: made };
}

const titles = (b: any) => b.widgets.map((w: any) => w.properties.title);
const metricNames = (w: any) => w.properties.metrics.map((m: any) => m.filter((x: any) => typeof x === 'string' && !x.startsWith('<') && !x.includes('/') && !/^[A-Z][a-z]+Name$/.test(x))[0]);

describe('FleetDashboard', () => {
  test('one dashboard named after the stack: alarm states, the cluster, then per service requests, 5xx, latency, CPU and memory, running and desired', () => {
    const { stack } = environment();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: stack.stackName });
    const b = body(stack);
    expect(titles(b)).toEqual([
      'Alarms of the environment',
      'Cluster: CPU and memory reserved (%)', 'Cluster: CPU and memory used (%)', 'Cluster: capacity provider reservation (%, above 100 = tasks waiting)',
      'web0: requests per minute', 'web0: 5xx per minute', 'web0: response time (s)', 'web0: CPU and memory (% of reservation)', 'web0: running and desired tasks',
    ]);
    const byTitle = (t: string) => b.widgets.find((w: any) => w.properties.title === t);
    expect(JSON.stringify(byTitle('web0: requests per minute').properties.metrics)).toContain('RequestCount');
    expect(JSON.stringify(byTitle('web0: 5xx per minute').properties.metrics)).toContain('HTTPCode_Target_5XX_Count');
    expect(JSON.stringify(byTitle('web0: response time (s)').properties.metrics)).toMatch(/TargetResponseTime.*p50.*TargetResponseTime.*p99/);
    expect(JSON.stringify(byTitle('web0: running and desired tasks').properties.metrics)).toMatch(/RunningTaskCount.*DesiredTaskCount/);
    expect(metricNames(byTitle('web0: CPU and memory (% of reservation)'))).toEqual(['CPUUtilization', 'MemoryUtilization']);
  });

  test('the alarm status widget lists the cluster\'s and every added service\'s alarms by ARN (fixed names, no reference into a nested stack)', () => {
    const { stack } = environment(2);
    const alarms: string[] = body(stack).widgets[0].properties.alarms;
    expect(alarms).toHaveLength(1 + 2 * 6);
    expect(alarms.every((a) => a.includes(':cloudwatch:eu-west-1:111111111111:alarm:Test-'))).toBe(true);
    expect(alarms.filter((a) => a.endsWith('-tasks-not-placed'))).toHaveLength(1);
    expect(alarms.filter((a) => a.endsWith('-target-5xx'))).toHaveLength(2);
  });

  test('a service without routes gets its CPU, memory and task graphs only, full width', () => {
    const { stack } = environment(1, false);
    const b = body(stack);
    expect(titles(b).filter((t: string) => t.startsWith('web0'))).toEqual(['web0: CPU and memory (% of reservation)', 'web0: running and desired tasks']);
    expect(b.widgets.filter((w: any) => w.properties.title?.startsWith('web0')).map((w: any) => w.width)).toEqual([12, 12]);
  });

  test('adding a service twice adds one row', () => {
    const { stack, dashboard, services } = environment();
    dashboard.addService(services[0]);
    expect(titles(body(stack)).filter((t: string) => t === 'web0: running and desired tasks')).toHaveLength(1);
  });

  test('the DNS updater row: invocations and errors, records that failed, both dead-letter queues', () => {
    const { stack, dashboard } = environment();
    dashboard.addDnsUpdater(AsgDnsUpdater.of(stack));
    const b = body(stack);
    const rows = b.widgets.filter((w: any) => w.properties.title?.startsWith('DNS updater'));
    expect(rows.map((w: any) => w.properties.title)).toEqual(['DNS updater: invocations and errors', 'DNS updater: records that failed for good', 'DNS updater: dead-letter queues']);
    expect(JSON.stringify(rows[2].properties.metrics.map((m: any) => m[1]))).toBe(JSON.stringify(['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesVisible']));
  });

  test('beyond CloudWatch\'s 500 widgets a second dashboard <name>-2 starts', () => {
    const { stack, dashboard } = environment(0);
    const updater = AsgDnsUpdater.of(stack);
    // 4 widgets, then 3 a row: the 166th row would be the 502nd widget.
    for (let i = 0; i < 166; i++) dashboard.addDnsUpdater(updater);
    const dashboards = Object.values<any>(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards.map((d) => d.Properties.DashboardName)).toEqual([stack.stackName, `${stack.stackName}-2`]);
    expect(body(stack, 0).widgets).toHaveLength(499);
    expect(body(stack, 1).widgets).toHaveLength(3);
  });

  test('more than 100 alarms: the status widget shows CloudWatch\'s most, and a warning says so', () => {
    const { stack } = environment(17);
    Annotations.fromStack(stack).hasWarning('/Test/Dashboard', Match.stringLikeRegexp('shows 100 alarms'));
    expect(body(stack).widgets[0].properties.alarms).toHaveLength(100);
  });

  test('in a nested stack the dashboard takes the nested stack\'s deploy-time name', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
    const nested = new NestedStack(stack, 'Observability');
    new FleetDashboard(nested, 'Dashboard', { cluster });
    const dashboards = Object.values<any>(Template.fromStack(nested).findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboards[0].Properties.DashboardName)).toContain('AWS::StackName');
  });

  test('a dashboardName CloudWatch would refuse fails at synth', () => {
    const stack = testStack();
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0 });
    expect(() => new FleetDashboard(stack, 'Dashboard', { cluster, dashboardName: 'prod dashboard' })).toThrow(/dashboardName 'prod dashboard' is not a dashboard name.*Fix: use letters, digits, - and _/);
    expect(() => new FleetDashboard(stack, 'Ok', { cluster, dashboardName: 'prod_dashboard-1' })).not.toThrow();
  });
});
