// Bundles every handler (lambda/<name>/index.ts) once, at build time, into dist/handlers/<name>/index.js.
// Constructs load these bundles with lambda.Code.fromAsset, so an app that installs the package needs neither
// esbuild nor Docker, and deploys exactly the bytes that were built and tested here. The AWS SDK is bundled too:
// the handler then runs with the SDK version it was tested against, not whatever the Lambda runtime ships that week.
//
// Beside the bundles: dist/handlers/THIRD-PARTY-NOTICES.txt, the name, version, licence and licence text of every
// package esbuild put into a bundle (from its metafile; the minified bundles carry no legal comments), shipped in the
// package. And each bundle's sha256, printed and compared with lambda/handler-hashes.json, the committed record of
// what each handler's deployed bytes are: a change to it in a diff is a handler whose Lambda code users' next deploy
// updates, for the CHANGELOG to name.
//
//   node lambda/bundle.mjs                  bundle, print sizes and hashes
//   node lambda/bundle.mjs --check-hashes   also fail when a bundle differs from lambda/handler-hashes.json (CI)
//   node lambda/bundle.mjs --update-hashes  also rewrite lambda/handler-hashes.json
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { thirdPartyNotices } = require('./third-party-notices.cjs');

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const outRoot = join(root, 'dist', 'handlers');
export const hashesFile = join(here, 'handler-hashes.json');
export const noticesFile = join(outRoot, 'THIRD-PARTY-NOTICES.txt');

export const handlerNames = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'index.ts')))
  .map((d) => d.name)
  .sort();

export async function bundleHandlers({ quiet = false } = {}) {
  rmSync(outRoot, { recursive: true, force: true });
  const sizes = {};
  const hashes = {};
  const metafiles = {};
  for (const name of handlerNames) {
    const outfile = join(outRoot, name, 'index.js');
    const result = await build({
      entryPoints: [join(here, name, 'index.ts')],
      outfile,
      // Inputs named relative to the repository, whatever the working directory: the notices read them.
      absWorkingDir: root,
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
    metafiles[name] = result.metafile;
    sizes[name] = result.metafile.outputs[Object.keys(result.metafile.outputs)[0]].bytes;
    hashes[name] = createHash('sha256').update(readFileSync(outfile)).digest('hex');
  }
  const { name: productName, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(noticesFile, thirdPartyNotices({
    root,
    metafiles,
    productName: `${productName} ${version}`,
    // A bundled package that ships no licence file gets the standard text of the licence it declares.
    standardTexts: { 'Apache-2.0': readFileSync(join(root, 'LICENSE'), 'utf8') },
  }));
  if (!quiet) {
    for (const name of handlerNames) console.log(`handler ${name}: ${(sizes[name] / 1024).toFixed(1)} KiB sha256 ${hashes[name]}`);
  }
  return { sizes, hashes };
}

/** The handlers whose bundle differs from the committed hashes (added, removed or changed), sorted. */
export function changedHandlers(hashes, committed) {
  return [...new Set([...Object.keys(hashes), ...Object.keys(committed)])]
    .filter((name) => hashes[name] !== committed[name])
    .sort();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { hashes } = await bundleHandlers({ quiet: process.argv.includes('--quiet') });
  if (process.argv.includes('--update-hashes')) {
    writeFileSync(hashesFile, `${JSON.stringify(hashes, null, 2)}\n`);
  } else if (process.argv.includes('--check-hashes')) {
    const committed = existsSync(hashesFile) ? JSON.parse(readFileSync(hashesFile, 'utf8')) : {};
    const changed = changedHandlers(hashes, committed);
    if (changed.length) {
      console.error(`bundle: the bundles of ${changed.join(', ')} differ from lambda/handler-hashes.json. ` +
        'Fix: run `npm run build:handlers -- --update-hashes`, commit the file, and name these handlers in CHANGELOG.md ' +
        '(their Lambda code changes on users\' next deploy).');
      process.exit(1);
    }
  }
}
