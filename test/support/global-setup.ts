import { execFileSync } from 'child_process';
import * as path from 'path';

/**
 * Bundles the handlers once per test run, as the package build does, so constructs under test load the same
 * pre-bundled code an installed package ships (and a handler edit is never tested against a stale bundle).
 */
export default function globalSetup(): void {
  // The handlers run on Lambda's Node.js 24; the SDK's notice that its releases after January 2027 need Node.js 22 is
  // about the machine running the tests, not the code under test, and would print in every worker.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'lambda', 'bundle.mjs'), '--quiet'], { stdio: 'inherit' });
}
