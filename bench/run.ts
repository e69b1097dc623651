/**
 * `npm run bench`: runs every benchmark in bench/ one after another (they measure time, so never in
 * parallel), prints their tables and writes them to bench/results/latest.md.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const BENCHES = ['synth', 'dns', 'compose', 'secrets', 'swarm', 'rollout', 'conductor-sim', 'update-check'];

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
  const latest = path.join(__dirname, 'results', 'latest.md');
  if (only.length && fs.existsSync(latest)) {
    // A partial run (`npm run bench -- synth`) replaces only its own sections of latest.md.
    let text = fs.readFileSync(latest, 'utf8');
    for (const section of sections.slice(1)) {
      const name = section.split('\n')[0];
      const start = text.indexOf(`${name}\n`);
      const next = start < 0 ? -1 : text.indexOf('\n## ', start + name.length);
      text = start < 0 ? `${text}\n${section}` : `${text.slice(0, start)}${section}${next < 0 ? '' : text.slice(next)}`;
    }
    fs.writeFileSync(latest, text.replace(/^# Benchmarks\n\n.*\n/, sections[0]));
  } else {
    fs.writeFileSync(latest, sections.join('\n'));
  }
}

runAll().catch((e) => {
  console.error(e);
  process.exit(1);
});
