/** Prints what `cdk synth` wrote to cdk.out: each stack with its resource count (nested stacks indented). */
import * as fs from 'fs';
import * as path from 'path';

const outdir = path.join(__dirname, '..', 'cdk.out');
const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
const count = (file: string) => Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')).Resources ?? {}).length;
console.log(`Synthesized to ${outdir}:`);
for (const [id, artifact] of Object.entries<any>(manifest.artifacts)) {
  if (artifact.type !== 'aws:cloudformation:stack') continue;
  const file = artifact.properties.templateFile as string;
  console.log(`  ${id} (${artifact.environment.replace('aws://', '')}): ${count(file)} resources`);
  const nestedPrefix = id;
  for (const f of fs.readdirSync(outdir).filter((n) => n.startsWith(nestedPrefix) && n.endsWith('.nested.template.json'))) {
    console.log(`    nested ${f.replace('.nested.template.json', '')}: ${count(f)} resources`);
  }
}
