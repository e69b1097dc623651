/**
 * The update check, from the command line:
 *
 *   npx tsx bench/update-check.ts <deployed cdk.out> <new cdk.out> [stack ...]
 *
 * prints, per stack present in both assemblies, every resource that will be replaced or moved between (nested)
 * stacks, every listener-rule priority clash, and every replaced stateful or ingress resource; exits 1 when any
 * update is not safe (a clash, or a stateful/ingress replacement). Without arguments (`npm run bench update-check`)
 * it runs routine changes on a 45-service production and prints their reports: three synthesized against the deployed
 * assembly, and a removal synthesized without it (as CI does from a fresh clone).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ProductionConfig, ProductionStack, ServiceConfig } from '../lib/environments/production';
import { checkAssemblies, formatReport, isSafe } from '../lib/update-check';

const env = { account: '111111111111', region: 'eu-west-1' };

function synth(dir: string, config: ProductionConfig, deployedAssembly?: string): string {
  const app = new App({ outdir: dir, context: { '@aws-cdk/core:strictCfnValidateErrors': false } });
  new ProductionStack(app, 'Production', { env, config, deployedAssembly });
  return app.synth().directory;
}

/** Reports of three routine changes to a 45-service production: add a service, remove the 5th, change a port. */
export async function main(): Promise<string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'update-check-'));
  try {
    const services: ServiceConfig[] = Array.from({ length: 45 }, (_, i) => ({
      name: `svc${i}`, image: 'nginx:1.27', containerPort: 8080, routes: [{ path: `/svc${i}/*` }, { host: `svc${i}.example.com` }],
    }));
    const deployed = synth(path.join(tmp, 'deployed'), { services });
    const changes: Array<[string, ServiceConfig[], boolean]> = [
      ['add a service', [...services, { name: 'added', image: 'nginx:1.27', containerPort: 8080, routes: [{ path: '/added/*' }] }], true],
      ['remove the 5th of 45 services', services.filter((_, i) => i !== 4), true],
      ['change svc10\'s container port 8080 -> 9090', services.map((s) => (s.name === 'svc10' ? { ...s, containerPort: 9090 } : s)), true],
      ['remove the 5th of 45 services, without the deployed assembly', services.filter((_, i) => i !== 4), false],
    ];
    const out: string[] = [];
    for (const [i, [what, next, withDeployed]] of changes.entries()) {
      const dir = synth(path.join(tmp, `change${i}`), { services: next }, withDeployed ? deployed : undefined);
      out.push(`### ${what}\n\n\`\`\`\n${checkAssemblies(deployed, dir).map(formatReport).join('\n')}\n\`\`\``);
    }
    return out.join('\n\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [before, after, ...stacks] = process.argv.slice(2);
  if (!before || !after) {
    main().then((report) => console.log(report)).catch((e) => { console.error(e); process.exit(2); });
  } else {
    const reports = checkAssemblies(before, after, stacks.length ? stacks : undefined);
    for (const r of reports) console.log(formatReport(r));
    process.exit(reports.every(isSafe) ? 0 : 1);
  }
}
