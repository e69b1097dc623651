/**
 * `npm run bench`: runs every benchmark in bench/ one after another (they measure time, so never in
 * parallel), prints their tables and writes them to bench/results/latest.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const BENCHES = ['synth', 'dns', 'compose', 'swarm', 'rollout', 'conductor-sim', 'update-check'];

async function runAll(): Promise<void> {
  const only = process.argv.slice(2);
  const sections = [`# Benchmarks\n\n${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · Node ${process.version}\n`];
  for (const name of BENCHES) {
    if (only.length && !only.includes(name)) continue;
    const file = path.join(__dirname, `${name}.ts`);
    if (!fs.existsSync(file)) continue;
    const started = Date.now();
    const table: string = await (await import(file)).main();
    const section = `## ${name}\n\n${table}\n\n_(${((Date.now() - started) / 1000).toFixed(1)} s)_\n`;
    console.log(section);
    sections.push(section);
  }
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'latest.md'), sections.join('\n'));
}

runAll().catch((e) => {
  console.error(e);
  process.exit(1);
});
