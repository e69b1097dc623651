// Builds what the npm package ships, into dist/: the library compiled by jsii (tsconfig.jsii.json: lib/ only) to
// JavaScript, type declarations and the `.jsii` assembly that Python, Java, .NET and Go bindings are generated from
// (jsii leaves `@internal` members, which must be `_`-prefixed, out of the assembly), the pre-bundled handlers (lambda/bundle.mjs), and the
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
// metadata/missing-dev-dependency: jsii would have the devDependency on aws-cdk-lib be the peer range's minimum; the
// consumer test (.ci/consumer-test.sh) builds an app against that minimum instead, and development stays on a newer one.
execFileSync(process.execPath, [require.resolve('jsii/bin/jsii'), '--fail-on-warnings', '--silence-warnings=reserved-word',
  '--silence-warnings=metadata/missing-dev-dependency'], { stdio: 'inherit', cwd: root });
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
