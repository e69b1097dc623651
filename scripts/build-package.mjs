// Builds what the npm package ships, into dist/: the library compiled to JavaScript with type declarations
// (tsconfig.build.json: lib/ only, @internal members stripped), the pre-bundled handlers (lambda/bundle.mjs), and the
// files constructs read at synth (the compose JSON schema, the swarm boot scripts, the cluster's instance scripts).
// `npm pack` / `npm publish` run it (prepack); package.json's `files` allow-list decides what of dist/ goes into the tarball.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleHandlers } from '../lambda/bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

rmSync(join(root, 'dist', 'lib'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
await bundleHandlers({ quiet: process.argv.includes('--quiet') });

/** Files a construct reads with fs or require at synth time, copied beside the compiled module that reads them. */
const assets = [
  'lib/compose/compose-spec.schema.json',
  ...readdirSync(join(root, 'lib', 'swarm', 'scripts')).filter((f) => f.endsWith('.sh')).map((f) => `lib/swarm/scripts/${f}`),
  ...readdirSync(join(root, 'lib', 'cluster', 'scripts')).filter((f) => f.endsWith('.sh')).map((f) => `lib/cluster/scripts/${f}`),
];
for (const asset of assets) {
  const to = join(root, 'dist', asset);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, asset), to);
}
