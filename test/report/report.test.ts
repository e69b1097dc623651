import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { buildApp } from '../../bin/environments';
import { FleetCluster, FleetLoadBalancer, FleetService } from '../../lib';
import { main } from '../../lib/report/cli';
import { estimateCost } from '../../lib/report/cost';
import { mermaidDiagram } from '../../lib/report/mermaid';
import { stackModel } from '../../lib/report/model';
import { GLOBAL_PRICES, REGION_PRICES } from '../../lib/report/prices';
import { reportStacks, reviewReport, ReviewReport } from '../../lib/report/report';
import { readStack } from '../../lib/update-check/assembly';
import { CDK_CONTEXT } from '../support/app';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Synthesizes `build` into a fresh assembly folder, with the path metadata `cdk synth` writes. */
function assembly(build: (app: App) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  dirs.push(outdir);
  const app = new App({ outdir, context: { ...CDK_CONTEXT, 'aws:cdk:enable-path-metadata': true }, builtinCloudFormationValidation: false });
  build(app);
  app.synth();
  return outdir;
}

/** One small QA-like stack: one t3.small, no NAT, an internal load balancer, `web` on /* and optionally `api`. */
function small(app: App, opts: { image?: string; api?: boolean } = {}): void {
  const stack = new Stack(app, 'Small', { env: { account: '111111111111', region: 'eu-west-1' } });
  const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1, maxCapacity: 2, instanceType: new ec2.InstanceType('t3.small') });
  const lb = new FleetLoadBalancer(stack, 'Lb', { vpc: cluster.vpc, accessLogs: false, internetFacing: false });
  lb.route(new FleetService(stack, 'web', { cluster, image: opts.image ?? 'nginx:1.27', containerPort: 80, desiredCount: 1 }), { path: '/*' });
  if (opts.api) lb.route(new FleetService(stack, 'api', { cluster, image: 'nginx:1.27', containerPort: 80, desiredCount: 1 }), { path: '/api/*' });
}

describe('cost estimate', () => {
  test('a small stack costs what the table says, line by line', () => {
    const [report] = reportStacks(assembly((app) => small(app)));
    const p = REGION_PRICES['eu-west-1'];
    const g = GLOBAL_PRICES;
    const round = (n: number) => Math.round(n * 100) / 100;
    const line = (item: string) => report.cost.lines.find((l) => l.item === item)?.usdPerMonth;
    expect(report.cost.pricedAs).toBe('eu-west-1');
    expect(line('instances ClusterCapacityASG')).toBe(round(1 * 730 * p.instanceHour['t3.small']));   // 16.64
    expect(line('instances ClusterCapacityASG')).toBe(16.64);
    expect(line('volumes ClusterCapacityASG')).toBe(round(30 * p.gp3GbMonth));                        // 2.64
    expect(line('public IPv4 ClusterCapacityASG')).toBe(round(730 * g.publicIpv4Hour));              // 3.65: public subnets, no NAT
    expect(line('load balancer Lb')).toBe(round(730 * (p.albHour + p.albLcuHour)));                     // 24.24
    expect(line('public IPv4 Lb')).toBeUndefined();                                                   // internal
    expect(line('NAT gateways')).toBeUndefined();
    const logGroups = report.model.counts['AWS::Logs::LogGroup'];
    expect(line('log ingestion')).toBe(round(logGroups * p.logsGb));
    expect(report.cost.totalUsdPerMonth).toBe(round(report.cost.lines.reduce((s, l) => s + l.usdPerMonth, 0)));
  });

  test('a stack without a region is priced as us-east-1 and says so; an unknown instance type is named, not guessed', () => {
    const model = { stack: 'S', loadBalancers: [], services: [], records: [], schedules: [], chains: [], counts: {}, alarmMetrics: 0,
      groups: [{ id: 'g', name: 'G', instanceType: 'x9.huge', min: 1, max: 1, volumeGiB: 8, publicIp: false }] };
    const cost = estimateCost(model);
    expect(cost.pricedAs).toBe('us-east-1');
    expect(cost.regionNote).toMatch(/no region.*priced as us-east-1/);
    expect(cost.unpriced).toEqual(['x9.huge']);
  });

  test('Fargate tasks are named as not priced, never counted as free; tasks on instances are priced through their instances', () => {
    const model = { stack: 'S', region: 'eu-west-1', loadBalancers: [], records: [], schedules: [], chains: [], counts: {}, alarmMetrics: 0, groups: [],
      services: [{ id: 'a', name: 'api', image: 'img', desired: 2, fargate: true }, { id: 'w', name: 'worker', image: 'img', desired: 1, fargate: false }] };
    expect(estimateCost(model).unpriced).toEqual(['Fargate tasks of api']);
  });
});

describe('diagram and report of the example app', () => {
  const dir = assembly((app) => buildApp(app));
  const markdown = reviewReport(dir);

  test('every stack has a Mermaid diagram and a monthly cost', () => {
    for (const stack of ['Production', 'Production-us-east-1', 'Production-ap-southeast-2', 'ProductionConductor', 'Qa', 'Swarm']) {
      const section = markdown.split(/^## /m).find((s) => s.startsWith(`${stack} (`) || s.startsWith(`${stack}\n`));
      expect(section).toBeDefined();
      expect(section).toContain('```mermaid\nflowchart LR');
      expect(section).toMatch(/\*\*Estimated \$\d+\.\d\d per month\*\*/);
    }
  });

  test('the diagram names every routed service and the route that reaches it', () => {
    const model = stackModel(readStack(dir, 'Production'), 'eu-west-1');
    const diagram = mermaidDiagram(model);
    const routed = model.loadBalancers.flatMap((lb) => lb.routes.flatMap((r) => r.services));
    expect(new Set(routed).size).toBe(3);
    for (const [name, route] of [['boot', 'path /*'], ['api', 'path /api/*'], ['admin', 'path /admin/*']]) {
      expect(diagram).toContain(`service ${name}<br/>`);
      expect(diagram).toMatch(new RegExp(`-->\\|"${route.replace(/[*/]/g, (c) => `\\${c}`)}"\\| s\\d+`));
    }
  });

  test('a scaled service shows its task range; alarms are priced per metric they watch', () => {
    const model = stackModel(readStack(dir, 'Production'), 'eu-west-1');
    expect(model.services.find((s) => s.name === 'boot')!.scaling).toEqual({ min: 2, max: 10 });
    expect(mermaidDiagram(model)).toContain('service boot<br/>laszlocph/spring-boot-dummy:exposed ×2–10');
    // Metric-math alarms (5xx rate, tasks below desired) watch two metrics each.
    expect(model.alarmMetrics).toBeGreaterThan(model.counts['AWS::CloudWatch::Alarm']);
    const line = estimateCost(model).lines.find((l) => l.item === 'alarms')!;
    expect(line.usdPerMonth).toBeCloseTo(model.alarmMetrics * GLOBAL_PRICES.alarmMonth, 2);
  });

  test('the nightly chain runs through every production region; QA\'s record follows its instances; swarm groups are named', () => {
    expect(markdown).toMatch(/clean slate eu-west-1[\s\S]*clean slate us-east-1[\s\S]*clean slate ap-southeast-2/);
    expect(markdown).toMatch(/>"instances\.qa\.example\.internal"\]\n\s+d\d+ -\.->\|follows\| g\d+/);
    expect(markdown).toContain('swarm manager #40;role=manager#41;');
  });
});

describe('the report with --diff', () => {
  test('names services added, images changed and the cost delta', () => {
    const before = assembly((app) => small(app));
    const after = assembly((app) => small(app, { image: 'nginx:1.28', api: true }));
    const markdown = reviewReport(after, { previous: before });
    expect(markdown).toContain('service **api** added');
    expect(markdown).toContain('service **web** image `nginx:1.27` → `nginx:1.28`');
    expect(markdown).toContain('route added: Lb: path /api/* → api');
    expect(markdown).toMatch(/- \*\*Small\*\*: [+−]\$\d+\.\d\d per month/);
  });

  test('an unchanged assembly has no changes and a zero delta', () => {
    const dir = assembly((app) => small(app));
    expect(reviewReport(dir, { previous: dir })).toContain('- **Small**: +$0.00 per month');
  });

  test('ReviewReport.markdown (every CDK language) returns what reviewReport returns, with and without options', () => {
    const dir = assembly((app) => small(app));
    expect(ReviewReport.markdown(dir)).toBe(reviewReport(dir));
    expect(ReviewReport.markdown(dir, { previous: dir, assumptions: { natGbPerMonth: 50 } })).toBe(reviewReport(dir, { previous: dir, assumptions: { natGbPerMonth: 50 } }));
  });
});

describe('command line', () => {
  test('report <dir> prints the Markdown; --out writes it; bad arguments exit 2; a folder that is no assembly exits 1', () => {
    const dir = assembly((app) => small(app));
    let printed = '';
    expect(main(['report', dir], (s) => { printed += s; })).toBe(0);
    expect(printed).toContain('# Review report');
    const out = path.join(dir, 'report.md');
    expect(main(['report', dir, '--out', out, '--log-gb', '5'])).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toContain('× 5 GB ×');
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(main(['nothing'])).toBe(2);
      expect(main(['report'])).toBe(2);
      expect(main(['report', dir, '--log-gb', '-1'])).toBe(2);
      expect(main(['report', os.tmpdir()])).toBe(1);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('is not a cloud assembly');
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('labels', () => {
  test('quotes and angle brackets in names cannot break the chart', () => {
    const model = { stack: 'S', loadBalancers: [], records: [], schedules: [], chains: [], counts: {}, alarmMetrics: 0, groups: [],
      services: [{ id: 'x', name: 'a"b<c>', image: 'img', desired: 1, fargate: false }] };
    expect(mermaidDiagram(model)).toContain('service a#quot;b#lt;c#gt;');
  });
});

describe('odd templates (consumer review)', () => {
  test('a label with newlines, backticks, brackets and arrows stays one harmless line', () => {
    const model = { stack: 'S', loadBalancers: [], records: [], schedules: [], chains: [], counts: {}, alarmMetrics: 0, groups: [],
      services: [{ id: 'x', name: 'web\n```\n## injected', image: 'img`x|y]-->z', desired: 1, fargate: false }] };
    const diagram = mermaidDiagram(model);
    expect(diagram.split('\n')).toHaveLength(2);
    expect(diagram).not.toContain('```');
    expect(diagram).not.toMatch(/\]-->/);
  });
});
