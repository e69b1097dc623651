import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundledPackages, packageDirOf, thirdPartyNotices } from '../../lambda/third-party-notices.cjs';

const APACHE = 'Apache License\nVersion 2.0, January 2004\n(the full text)';

/** A folder with node_modules as npm lays them out: scoped, plain and nested packages, each with what it ships. */
function fakeProject(packages: Record<string, { manifest: Record<string, unknown>; files?: Record<string, string> }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'notices-'));
  for (const [dir, { manifest, files = {} }] of Object.entries(packages)) {
    fs.mkdirSync(path.join(root, dir), { recursive: true });
    fs.writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify(manifest));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, dir, name), text);
  }
  return root;
}

const metafiles = {
  'dns-updater': { inputs: { 'lambda/dns-updater/index.ts': {}, 'node_modules/@aws-sdk/client-x/dist/index.js': {}, 'node_modules/tiny/index.js': {} } },
  teardown: { inputs: { 'lambda/teardown/index.ts': {}, 'node_modules/@aws-sdk/client-x/dist/other.js': {}, 'node_modules/tiny/node_modules/@aws-sdk/core/lib/a.js': {} } },
};

describe('third-party notices of the handler bundles', () => {
  test('packageDirOf names the innermost package of an input, scoped or not, and nothing for our own sources', () => {
    expect(packageDirOf('node_modules/@aws-sdk/client-ec2/dist-cjs/index.js')).toBe('node_modules/@aws-sdk/client-ec2');
    expect(packageDirOf('node_modules/bowser/es5.js')).toBe('node_modules/bowser');
    expect(packageDirOf('node_modules/a/node_modules/@s/b/x.js')).toBe('node_modules/a/node_modules/@s/b');
    expect(packageDirOf('lambda/asg-dns-updater/index.ts')).toBeUndefined();
  });

  test('bundledPackages lists each package once with the handlers that include it', () => {
    expect([...bundledPackages(metafiles)]).toEqual([
      ['node_modules/@aws-sdk/client-x', ['dns-updater', 'teardown']],
      ['node_modules/tiny', ['dns-updater']],
      ['node_modules/tiny/node_modules/@aws-sdk/core', ['teardown']],
    ]);
  });

  test('lists name, version, licence and handlers, and gives each distinct licence text once with the packages it covers', () => {
    const root = fakeProject({
      'node_modules/@aws-sdk/client-x': { manifest: { name: '@aws-sdk/client-x', version: '3.1.0', license: 'Apache-2.0' }, files: { LICENSE: `${APACHE}\r\n` } },
      'node_modules/tiny': { manifest: { name: 'tiny', version: '2.15.0', license: 'MIT' }, files: { 'LICENSE.md': 'MIT License\nCopyright (c) Tiny Authors', NOTICE: 'tiny includes code by others' } },
      // Ships no licence file: gets the standard text of the licence it declares.
      'node_modules/tiny/node_modules/@aws-sdk/core': { manifest: { name: '@aws-sdk/core', version: '3.9.0', license: 'Apache-2.0' } },
    });
    const text = thirdPartyNotices({ root, metafiles, productName: 'cdk-container-fleet 0.1.0', standardTexts: { 'Apache-2.0': APACHE } });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Third-party notices for the pre-bundled Lambda handlers of cdk-container-fleet 0.1.0');
    expect(lines).toContain('@aws-sdk/client-x  3.1.0   Apache-2.0  dns-updater, teardown');
    expect(lines).toContain('@aws-sdk/core      3.9.0   Apache-2.0  teardown');
    expect(lines).toContain('tiny               2.15.0  MIT         dns-updater');
    // The Apache text once, for both packages; the MIT text and the NOTICE each once.
    expect(text.split('Version 2.0, January 2004').length - 1).toBe(1);
    expect(text).toMatch(/Text 1 of 3, for:\n {2}@aws-sdk\/client-x 3\.1\.0 \(@aws-sdk\/client-x\/LICENSE\)\n {2}@aws-sdk\/core 3\.9\.0 \(Apache-2\.0 \(the package ships no licence file/);
    expect(text).toContain('tiny 2.15.0 (tiny/LICENSE.md)');
    expect(text).toContain('tiny 2.15.0 (tiny/NOTICE)');
    expect(text).toContain('MIT License\nCopyright (c) Tiny Authors');
    expect(text).toContain('tiny includes code by others');
    expect(text).not.toContain('lambda/');
    // Same inputs, same bytes.
    expect(thirdPartyNotices({ root, metafiles, productName: 'cdk-container-fleet 0.1.0', standardTexts: { 'Apache-2.0': APACHE } })).toBe(text);
  });

  test('stops the build for a bundled package with no licence file and a licence it has no text for', () => {
    const root = fakeProject({
      'node_modules/@aws-sdk/client-x': { manifest: { name: '@aws-sdk/client-x', version: '3.1.0', license: 'Apache-2.0' }, files: { LICENSE: APACHE } },
      'node_modules/tiny': { manifest: { name: 'tiny', version: '2.15.0', license: 'MIT' }, files: { NOTICE: 'a notice is not a licence' } },
      'node_modules/tiny/node_modules/@aws-sdk/core': { manifest: { name: '@aws-sdk/core', version: '3.9.0', license: 'Apache-2.0' } },
    });
    expect(() => thirdPartyNotices({ root, metafiles, productName: 'x', standardTexts: { 'Apache-2.0': APACHE } }))
      .toThrow(/tiny@2\.15\.0 \(node_modules\/tiny\) is bundled into a handler but ships no licence file, and its licence 'MIT' has no standard text/);
  });
});
