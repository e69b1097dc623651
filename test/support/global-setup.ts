import { execFileSync } from 'child_process';
import * as path from 'path';

/**
 * Bundles the handlers once per test run, as the package build does, so constructs under test load the same
 * pre-bundled code an installed package ships (and a handler edit is never tested against a stale bundle).
 */
export default function globalSetup(): void {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'lambda', 'bundle.mjs'), '--quiet'], { stdio: 'inherit' });
}
