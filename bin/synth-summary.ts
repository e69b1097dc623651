/** Prints what `cdk synth` wrote to cdk.out: each stack with its resource count, and its nested stacks. */
import * as fs from 'fs';
import * as path from 'path';

const outdir = path.join(__dirname, '..', 'cdk.out');
const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
const resources = (file: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')).Resources ?? {};

function print(file: string, label: string, indent: string): void {
  const all = resources(file);
  console.log(`${indent}${label}: ${Object.keys(all).length} resources`);
  for (const r of Object.values(all)) {
    const nested = r.Type === 'AWS::CloudFormation::Stack' ? r.Metadata?.['aws:asset:path'] : undefined;
    if (nested) print(nested, `nested ${nested.replace('.nested.template.json', '')}`, `${indent}  `);
  }
}

console.log(`Synthesized to ${outdir}:`);
for (const [id, artifact] of Object.entries<any>(manifest.artifacts)) {
  if (artifact.type !== 'aws:cloudformation:stack') continue;
  print(artifact.properties.templateFile, `${id} (${artifact.environment.replace('aws://', '')})`, '  ');
}
