/**
 * Compose import benchmark: how long reading a compose file takes (YAML, interpolation, schema validation,
 * translation) and how long synthesis takes, for the awesome-compose corpus (39 files) and for a generated
 * 100-service file; then how long hostile or oversized files take to load or be refused (lib/compose/limits.ts).
 * Run: `npx tsx bench/compose.ts` (or `npm run bench compose`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseDocument } from 'yaml';
import { FleetCluster } from '../lib/cluster/fleet-cluster';
import { ComposeFileError } from '../lib/compose';
import { ComposeProject } from '../lib/compose/compose-project';
import { MAX_COMPOSE_FILE_BYTES, MAX_COMPOSE_NODES } from '../lib/compose/limits';
import { composeSchemaValidator, loadCompose } from '../lib/compose/load';
import { ComposeSecurityPolicy } from '../lib/compose/security-policy';
import { translateCompose } from '../lib/compose/translate';
import { FleetLoadBalancer } from '../lib/routing/fleet-load-balancer';
import { corpusFiles, stageCorpusFile } from '../test/compose/corpus-support';
import { unitTestApp, validatedApp } from '../test/support/app';

const env = { account: '111111111111', region: 'eu-west-1' };
/** plex.yaml needs its media path: an empty bind-mount source is an error, as in Compose. */
const VARIABLES: Record<string, string> = { PLEX_MEDIA_PATH: '/srv/media' };

/** A compose file with `n` services: web services routed by DOMAIN, each depending on the previous one's database. */
export function generatedCompose(n: number): string {
  const lines = ['name: generated', 'services:'];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  svc${i}:`,
      '    image: public.ecr.aws/nginx/nginx:1.27',
      '    restart: always',
      `    environment: [DOMAIN=svc${i}, "UPSTREAM=svc${Math.max(0, i - 1)}:80", "TAG=\${TAG:-1.0}"]`,
      `    ports: ["${8000 + i}:80"]`,
      '    healthcheck: {test: ["CMD-SHELL", "curl -f localhost || exit 1"], interval: 30s, timeout: 5s, retries: 3}',
      '    deploy: {resources: {limits: {cpus: "0.25", memory: 128M}}}',
      ...(i > 0 ? [`    depends_on: [svc${i - 1}]`] : []),
    );
  }
  return lines.join('\n') + '\n';
}

function time<T>(fn: () => T): [T, number] {
  const start = process.hrtime.bigint();
  const result = fn();
  return [result, Number(process.hrtime.bigint() - start) / 1e6];
}

/** Median of 5 imports (single runs of a few milliseconds are noisy). */
function importOnly(text: string, file: string, baseDir: string): number {
  const runs = Array.from({ length: 5 }, () => importOnce(text, file, baseDir)).sort((a, b) => a - b);
  return runs[2];
}

function importOnce(text: string, file: string, baseDir: string): number {
  const [, ms] = time(() => {
    const loaded = loadCompose(text, { file, lookup: (n) => VARIABLES[n] });
    // TRUSTED: the bench measures all 39 files, 5 of which BASELINE refuses (docs/compose.md, "Untrusted compose files").
    translateCompose(loaded, { baseDir, securityPolicy: ComposeSecurityPolicy.TRUSTED, lookup: (n) => VARIABLES[n], io: { readFile: (p) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined), isDirectory: (p) => fs.existsSync(p) } });
  });
  return ms;
}

export async function main(): Promise<string> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-bench-'));
  try {
    const rows: string[][] = [];
    const [, compileMs] = time(() => composeSchemaValidator());
    rows.push(['schema compile (once per process)', '-', compileMs.toFixed(0), '-', '-']);

    // Corpus: import time per file (after the schema is compiled), then one app with a stack per file.
    const staged = corpusFiles().map((f) => stageCorpusFile(f, root));
    const imports = staged.map((f) => importOnly(fs.readFileSync(f, 'utf8'), f, path.dirname(f)));
    const totalImport = imports.reduce((a, b) => a + b, 0);
    const corpusServices = staged.reduce((n, f) => n + Object.keys((loadCompose(fs.readFileSync(f, 'utf8'), { file: f, lookup: () => undefined }).model.services ?? {})).length, 0);

    const synthCorpus = (validated: boolean): [number, number] => {
      const app = validated ? validatedApp() : unitTestApp();
      if (validated) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const [, buildMs] = time(() => staged.forEach((file, i) => {
        const stack = new Stack(app, `Corpus${i}`, { env });
        const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
        const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
        const project = new ComposeProject(stack, 'Compose', {
          composeFile: file, cluster, loadBalancer, variables: VARIABLES, publishedPortCidrs: ['203.0.113.0/24'], securityPolicy: ComposeSecurityPolicy.TRUSTED,
        });
        for (const key of new Set(project.warnings.map((w) => w.key))) Validations.of(stack).acknowledge({ id: `@cdk-container-fleet/compose:${key}`, reason: 'bench' });
      }));
      const [, synthMs] = time(() => app.synth());
      return [buildMs, synthMs];
    };
    const [corpusBuild, corpusSynth] = synthCorpus(false);
    rows.push([`corpus: ${staged.length} files, ${corpusServices} services`, (totalImport / staged.length).toFixed(1) + ' avg / ' + Math.max(...imports).toFixed(1) + ' max',
      totalImport.toFixed(0), corpusBuild.toFixed(0), corpusSynth.toFixed(0)]);
    const [vBuild, vSynth] = synthCorpus(true);
    rows.push(['corpus, validated (strict + cdk-nag)', '-', '-', vBuild.toFixed(0), vSynth.toFixed(0)]);

    // Generated files: one stack up to 10 services; 40 and 100 services (about 14 resources each with their alarms)
    // exceed one stack's 500 resources, so they go into nested stacks of 25 (servicesPerNestedStack).
    for (const n of [10, 40, 100]) {
      const file = path.join(root, `generated-${n}.yaml`);
      fs.writeFileSync(file, generatedCompose(n));
      const importMs = importOnly(fs.readFileSync(file, 'utf8'), file, root);
      const app = unitTestApp();
      const stack = new Stack(app, `Generated${n}`, { env });
      let resources = 0;
      const [, buildMs] = time(() => {
        const cluster = new FleetCluster(stack, 'Cluster', { natGateways: 0, minCapacity: 1 });
        const loadBalancer = new FleetLoadBalancer(stack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'] });
        new ComposeProject(stack, 'Compose', { composeFile: file, cluster, loadBalancer, domain: 'bench.example.com', servicesPerNestedStack: n > 10 ? 25 : undefined, publishPorts: false });
      });
      let synthNote: string;
      try {
        const [assembly, synthMs] = time(() => app.synth());
        const templates = fs.readdirSync(assembly.directory).filter((f) => f.endsWith('.template.json'))
          .map((f) => JSON.parse(fs.readFileSync(path.join(assembly.directory, f), 'utf8')));
        resources = templates.reduce((sum, t) => sum + Object.keys(t.Resources).length, 0);
        synthNote = `${synthMs.toFixed(0)} (${resources} resources in ${templates.length} template${templates.length > 1 ? 's' : ''})`;
      } catch (e) {
        synthNote = `fails: ${String((e as Error).message).split('\n')[0].slice(0, 90)}`;
      }
      rows.push([`generated: ${n} services`, importMs.toFixed(1), importMs.toFixed(1), buildMs.toFixed(0), synthNote]);
      if (n === 100) {
        const vApp = validatedApp();
        Validations.of(vApp).addPlugins(new AwsSolutionsChecks(vApp));
        const vStack = new Stack(vApp, 'Generated100Validated', { env });
        const [, vBuildMs] = time(() => {
          const cluster = new FleetCluster(vStack, 'Cluster', { natGateways: 0, minCapacity: 1 });
          const loadBalancer = new FleetLoadBalancer(vStack, 'LoadBalancer', { vpc: cluster.vpc, allowedCidrs: ['203.0.113.0/24'], maxLoadBalancers: 1 });
          new ComposeProject(vStack, 'Compose', { composeFile: file, cluster, loadBalancer, domain: 'bench.example.com', servicesPerNestedStack: 25, publishPorts: false });
          // 100 generated hosts collide on a few hashed priorities; the routing warning (pin them) is expected here.
          Validations.of(vStack).acknowledge({ id: '@cdk-container-fleet/routing:priorityCollision', reason: 'generated hosts; priorities are not pinned in the benchmark' });
        });
        const [, vSynthMs] = time(() => vApp.synth());
        // Counted after synth: the load balancer assigns priorities (and warns) when the app is prepared.
        const collisions = vStack.node.findAll().flatMap((c) => c.node.metadata)
          .filter((m) => m.type === 'aws:cdk:warning' && String(m.data).includes('because its preferred slot is held by')).length;
        rows.push([`generated: 100 services, validated (strict + cdk-nag; ${collisions} priority-collision warnings acknowledged)`, '-', '-', vBuildMs.toFixed(0), vSynthMs.toFixed(0)]);
      }
    }

    return [
      ...untrustedInput(),
      '',
      '| input | import ms per file | import ms total | construct ms | synth ms |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      'import = YAML parse + interpolation + schema validation + translation (pure, no CDK). construct = building the',
      'constructs (cluster, load balancer, ComposeProject). synth = `app.synth()`; unvalidated unless stated.',
    ].join('\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** One mapping of `n` environment variables (`K<i>: v<i>`, about 21 bytes a line at 40,000). */
function manyKeys(n: number, value = (i: number) => `v${i}`): string {
  const lines = ['services:', '  web:', '    image: nginx', '    environment:'];
  for (let i = 0; i < n; i++) lines.push(`      K${i}: ${value(i)}`);
  return lines.join('\n') + '\n';
}

/** `loadCompose` once: its time and what happened (loaded, or the start of the refusal). */
function loadOutcome(text: string, vars: Record<string, string> = {}): [string, number] {
  const [outcome, ms] = time(() => {
    try {
      loadCompose(text, { file: 'compose.yaml', lookup: (n) => vars[n] });
      return 'loads';
    } catch (e) {
      if (!(e instanceof ComposeFileError)) return `CRASH ${(e as Error).name}: ${(e as Error).message.slice(0, 60)}`;
      return `refused: ${e.problem.slice(0, 70)}${e.problem.length > 70 ? '…' : ''}`;
    }
  });
  return [outcome, ms];
}

/**
 * Files a branch could push to stall CI, each answered within seconds: loaded, or refused at a limit of
 * lib/compose/limits.ts. The "before" rows time what the previous code did for the same input.
 */
export function untrustedInput(): string[] {
  const rows: string[][] = [];
  const row = (input: string, text: string, vars?: Record<string, string>) => {
    const [outcome, ms] = loadOutcome(text, vars);
    rows.push([input, Buffer.byteLength(text).toLocaleString('en-US'), outcome, ms.toFixed(0)]);
  };
  composeSchemaValidator();

  const forty = manyKeys(40_000);
  const [, beforeMs] = time(() => parseDocument(forty, { merge: true, uniqueKeys: true }));
  rows.push(["40,000 keys in one mapping, before: yaml's uniqueKeys check (parse alone)", Buffer.byteLength(forty).toLocaleString('en-US'), 'parsed', beforeMs.toFixed(0)]);
  row('40,000 keys in one mapping (a Set per mapping)', forty);

  // The most keys the node limit allows (9 nodes around them, 2 per key), in a file just under 1 MiB.
  const most = manyKeys((MAX_COMPOSE_NODES - 9) / 2 | 0);
  if (Buffer.byteLength(most) > MAX_COMPOSE_FILE_BYTES) throw new Error('the largest loadable file is over the size limit');
  row(`${((MAX_COMPOSE_NODES - 9) / 2 | 0).toLocaleString('en-US')} keys, just under 1 MiB and the node limit`, most);
  const tooMany = manyKeys(70_000, () => 'v');
  row('70,000 keys in 1 MiB (over the node limit)', tooMany.slice(0, MAX_COMPOSE_FILE_BYTES - 100));
  row('5 MB file (250,000 keys)', manyKeys(250_000));

  let laughs = 'services:\n  web:\n    image: nginx\nx-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
  for (let i = 1; i < 10; i++) laughs += `x-l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`;
  row('billion laughs (10^9 nodes through 9 levels of aliases)', laughs);

  const anchors = 30_000;
  const aliased = ['services:', '  web:', '    image: nginx', 'x-a:', ...Array.from({ length: anchors }, (_, i) => `  k${i}: &a${i} v`), 'x-b:', ...Array.from({ length: anchors }, (_, i) => `  - *a${i}`)].join('\n') + '\n';
  row(`${anchors.toLocaleString('en-US')} anchors and aliases (before: yaml resolves each alias by a scan, 50,000 took 198 s)`, aliased);

  const deps = Array.from({ length: 15 }, (_, i) => `    d${i}:\n      <<: *started`).join('\n');
  const shared = `x-started: &started\n  condition: service_started\nx-defaults: &defaults\n  image: app\n  depends_on:\n${deps}\nservices:\n`
    + Array.from({ length: 70 }, (_, i) => `  s${i}:\n    <<: *defaults\n    command: run ${i}`).join('\n') + '\n';
  row("70 services merging defaults that hold 15 aliases (getsentry/self-hosted's shape; before: yaml's alias count threw a ReferenceError)", shared);

  row('100,000 nested flow sequences ([[[…]]])', `services:\n  web:\n    image: nginx\nx-d: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  row('100,000 nested block sequences (- - - …)', `services:\n  web:\n    image: nginx\nx-d:\n  ${'- '.repeat(100_000)}1\n`);
  row('3,000 nested ${a:-${a:-…}} (before: RangeError)', `services:\n  web:\n    image: "${'${a:-'.repeat(3000)}x${'}'.repeat(3000)}"\n`);
  row('a 1 MiB variable substituted 50,000 times', `services:\n  web:\n    image: nginx\nx-v: [${Array(50_000).fill('$BIG').join(', ')}]\n`, { BIG: 'x'.repeat(1024 * 1024) });
  row('24,000 one-line services (under every other limit)', `services:\n${Array.from({ length: 24_000 }, (_, i) => `  s${i}: {image: a}\n`).join('')}`);

  // Review r1: the size pattern backtracked over a run of spaces; the import is timed with the translation here.
  const spaces = `1${' '.repeat(60_000)}x`;
  const [, oldSizeMs] = time(() => /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$/i.exec(spaces));
  rows.push(["mem_limit: '1<60,000 spaces>x', before: the size pattern alone", (spaces.length + 40).toLocaleString('en-US'), 'not a size', oldSizeMs.toFixed(0)]);
  const memYaml = `services:\n  web:\n    image: nginx\n    mem_limit: "${spaces}"\n`;
  const [memOutcome, memMs] = time(() => {
    try {
      translateCompose(loadCompose(memYaml, { file: 'compose.yaml', lookup: () => undefined }), { baseDir: '/nonexistent', io: { readFile: () => undefined, isDirectory: () => false } });
      return 'translated';
    } catch (e) {
      return e instanceof ComposeFileError ? 'refused: not a memory size' : `CRASH ${(e as Error).message.slice(0, 60)}`;
    }
  });
  rows.push(["mem_limit: '1<60,000 spaces>x', now (load and translate)", Buffer.byteLength(memYaml).toLocaleString('en-US'), memOutcome, memMs.toFixed(0)]);

  return [
    '| untrusted input | bytes | outcome | ms |',
    '| --- | ---: | --- | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'ms = `loadCompose` (YAML, limits, interpolation, schema validation), one run; the schema is compiled before.',
  ];
}

if (require.main === module) main().then(console.log);
