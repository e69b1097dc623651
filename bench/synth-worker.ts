/**
 * Synthesizes one layout in a fresh process and prints one JSON line:
 * wall time, CPU time (user + system of this process: stable on a shared machine, where wall time is not), peak
 * memory (max RSS), resources per template, or the error.
 * Usage: npx tsx bench/synth-worker.ts <ours|stock> <services> [validate] [nag]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ours, stock, withNag } from './layouts';

const [layout, nArg, validate, nag] = process.argv.slice(2);
const n = Number(nArg);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
const started = process.hrtime.bigint();
const cpuStart = process.cpuUsage();
let error: string | undefined;
const resources: Record<string, number> = {};
let findings: { rules: number; findings: number } | undefined;
try {
  const app = new App({
    outdir,
    context: JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context,
    builtinCloudFormationValidation: validate === 'validate',
  });
  if (nag === 'nag') withNag(app);
  (layout === 'stock' ? stock : ours)(app, n);
  try {
    app.synth();
  } catch (e) {
    if (nag !== 'nag') throw e;
  }
  for (const f of fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
    resources[f.replace(/\.(nested\.)?template\.json$/, '')] = Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')).Resources).length;
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  if (nag === 'nag' && fs.existsSync(reportFile)) {
    const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
    const violations = report.pluginReports.filter((p: any) => p.pluginName === 'AwsSolutions').flatMap((p: any) => p.violations);
    findings = {
      rules: new Set(violations.map((v: any) => v.ruleName.replace(/\[.*$/, ''))).size,
      findings: violations.reduce((sum: number, v: any) => sum + v.violatingConstructs.length, 0),
    };
  }
} catch (e) {
  error = (e as Error).message.split('\n')[0].slice(0, 160);
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
fs.rmSync(outdir, { recursive: true, force: true });
console.log(JSON.stringify({ layout, n, ms, cpuMs, maxRssMiB: process.resourceUsage().maxRSS / 1024, resources, error, findings }));
