import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack, Validations } from 'aws-cdk-lib';
import { FleetCluster } from '../../lib/cluster/fleet-cluster';
import { ComposeProject } from '../../lib/compose/compose-project';
import { FleetPreflightChecks } from '../../lib/preflight';
import { FleetLoadBalancer } from '../../lib/routing/fleet-load-balancer';
import { unitTestApp } from '../support/app';

/** A compose project synthesized with the preflight plugin (the deploy-time checks of issue 10): its findings. */
function preflightFindings(yaml: string): any[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-preflight-'));
  try {
    fs.writeFileSync(path.join(dir, 'compose.yaml'), yaml);
    const app = unitTestApp();
    Validations.of(app).addPlugins(new FleetPreflightChecks());
    const stack = new Stack(app, 'Test', { env: { account: '210987654321', region: 'eu-west-1' } });
    const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
    const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['10.8.0.0/16'] });
    new ComposeProject(stack, 'Compose', { composeFile: path.join(dir, 'compose.yaml'), cluster, loadBalancer, publishedPortCidrs: ['10.8.0.0/16'] });
    const report = JSON.parse(fs.readFileSync(path.join(app.synth().directory, 'validation-report.json'), 'utf8'));
    return report.pluginReports.filter((p: any) => p.pluginName === 'FleetPreflightChecks').flatMap((p: any) => p.violations);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('compose projects pass the preflight checks', () => {
  test('services named Web and api.v2 that call each other: names ECS accepts, callers after their endpoints, instances admitted', () => {
    expect(preflightFindings('services:\n  Web:\n    image: nginx\n    environment: [API=http://api.v2:8080]\n    ports: ["8081:80"]\n'
      + '  api.v2:\n    image: x\n    expose: [8080]\n    environment: [DB=db:5432]\n  db:\n    image: postgres:16\n')).toEqual([]);
  });
});
