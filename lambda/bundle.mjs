// Bundles every handler (lambda/<name>/index.ts) once, at build time, into dist/handlers/<name>/index.js.
// Constructs load these bundles with lambda.Code.fromAsset, so an app that installs the package needs neither
// esbuild nor Docker, and deploys exactly the bytes that were built and tested here. The AWS SDK is bundled too:
// the handler then runs with the SDK version it was tested against, not whatever the Lambda runtime ships that week.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outRoot = join(here, '..', 'dist', 'handlers');

export const handlerNames = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'index.ts')))
  .map((d) => d.name)
  .sort();

export async function bundleHandlers({ quiet = false } = {}) {
  rmSync(outRoot, { recursive: true, force: true });
  const sizes = {};
  for (const name of handlerNames) {
    const outfile = join(outRoot, name, 'index.js');
    const result = await build({
      entryPoints: [join(here, name, 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      minify: true,
      keepNames: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'error',
    });
    sizes[name] = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
  }
  if (!quiet) {
    for (const [name, bytes] of Object.entries(sizes)) console.log(`handler ${name}: ${(bytes / 1024).toFixed(1)} KiB`);
  }
  return sizes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await bundleHandlers({ quiet: process.argv.includes('--quiet') });
}
