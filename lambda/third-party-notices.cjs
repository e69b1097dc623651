// Third-party notices for the pre-bundled handlers: which npm packages esbuild put into each bundle (read from its
// metafile), each package's name, version and licence, and the licence texts themselves. The bundles are minified
// without legal comments, so this file is where the licences of what they contain travel with the package
// (dist/handlers/THIRD-PARTY-NOTICES.txt, in the tarball). CommonJS so that jest can load it without a transform.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Files that hold a package's licence or notice text. */
const LICENCE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;

/**
 * The folder of the npm package an esbuild input belongs to (`node_modules/<name>` or `node_modules/@scope/<name>`,
 * the innermost one for nested installs), or undefined for the project's own sources.
 */
function packageDirOf(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.split(path.sep).join('/'));
  return match ? match[1] : undefined;
}

/**
 * The packages each handler bundles: package folder (relative to `root`, as esbuild names inputs) to the sorted names
 * of the handlers that include it. `metafiles` maps a handler name to its esbuild metafile.
 */
function bundledPackages(metafiles) {
  const handlersByDir = new Map();
  for (const [handler, metafile] of Object.entries(metafiles)) {
    for (const input of Object.keys(metafile.inputs)) {
      const dir = packageDirOf(input);
      if (!dir) continue;
      if (!handlersByDir.has(dir)) handlersByDir.set(dir, new Set());
      handlersByDir.get(dir).add(handler);
    }
  }
  return new Map([...handlersByDir].map(([dir, handlers]) => [dir, [...handlers].sort()]));
}

/**
 * One package's notice: name, version, licence (package.json) and its licence and notice files. A package that ships
 * no licence file gets the text of the licence it declares from `standardTexts` (SPDX id to text); a package with
 * neither stops the build, since its notice could not be given.
 */
function packageNotice(root, dir, standardTexts) {
  const abs = path.resolve(root, dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(abs, 'package.json'), 'utf8'));
  const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license && manifest.license.type) || 'UNKNOWN';
  const texts = fs.readdirSync(abs).filter((f) => LICENCE_FILE.test(f)).sort()
    .map((f) => ({ source: `${manifest.name}/${f}`, text: normalise(fs.readFileSync(path.join(abs, f), 'utf8')) }));
  if (!texts.some((t) => !/^notice/i.test(path.basename(t.source)))) {
    const standard = standardTexts[license];
    if (standard === undefined) {
      throw new Error(`${manifest.name}@${manifest.version} (${dir}) is bundled into a handler but ships no licence file, and its licence ` +
        `'${license}' has no standard text here. Fix: add the text of '${license}' to the standard texts in lambda/bundle.mjs, or stop bundling the package.`);
    }
    texts.unshift({ source: `${license} (the package ships no licence file; the standard text of the licence it declares)`, text: normalise(standard) });
  }
  return { name: manifest.name, version: manifest.version, license, texts };
}

function normalise(text) {
  return text.replace(/\r\n?/g, '\n').replace(/[ \t]+$/gm, '').trim();
}

/**
 * The notices file: a table of every bundled package (name, version, licence, the handlers that include it), then
 * each distinct licence or notice text once, headed by the packages it belongs to. Sorted throughout, so the same
 * bundles always give the same bytes.
 */
function thirdPartyNotices({ root, metafiles, productName, standardTexts }) {
  const byKey = new Map();
  for (const [dir, handlers] of bundledPackages(metafiles)) {
    const notice = packageNotice(root, dir, standardTexts);
    const key = `${notice.name}@${notice.version}`;
    const seen = byKey.get(key);
    if (seen) seen.handlers = [...new Set([...seen.handlers, ...handlers])].sort();
    else byKey.set(key, { ...notice, handlers });
  }
  const notices = [...byKey.values()].sort((a, b) => (a.name === b.name ? compare(a.version, b.version) : compare(a.name, b.name)));

  const textIndex = new Map();
  for (const n of notices) {
    for (const t of n.texts) {
      if (!textIndex.has(t.text)) textIndex.set(t.text, { text: t.text, sources: [] });
      textIndex.get(t.text).sources.push(`${n.name} ${n.version} (${t.source})`);
    }
  }
  const texts = [...textIndex.values()];
  const rule = '='.repeat(100);
  const width = (f) => Math.max(...notices.map(f));
  const nameWidth = width((n) => n.name.length);
  const versionWidth = width((n) => n.version.length);
  const licenseWidth = width((n) => n.license.length);
  const lines = [
    `Third-party notices for the pre-bundled Lambda handlers of ${productName}`,
    '',
    'The handler bundles (dist/handlers/<handler>/index.js) include the npm packages below, as esbuild reported',
    'them when it built the bundles. Each is listed with its version, its licence and the handlers that include it;',
    'the licence and notice texts follow, each distinct text once, headed by the packages it belongs to.',
    '',
    `${'Package'.padEnd(nameWidth)}  ${'Version'.padEnd(versionWidth)}  ${'Licence'.padEnd(licenseWidth)}  Handlers`,
    ...notices.map((n) => `${n.name.padEnd(nameWidth)}  ${n.version.padEnd(versionWidth)}  ${n.license.padEnd(licenseWidth)}  ${n.handlers.join(', ')}`),
  ];
  texts.forEach((t, i) => {
    lines.push('', rule, `Text ${i + 1} of ${texts.length}, for:`, ...t.sources.map((s) => `  ${s}`), rule, '', t.text);
  });
  return `${lines.join('\n')}\n`;
}

function compare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

module.exports = { bundledPackages, packageDirOf, packageNotice, thirdPartyNotices };
