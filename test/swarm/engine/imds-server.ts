/**
 * The fake IMDSv2 of one simulated instance of the real-engine suite, started inside the node's network namespace
 * on 169.254.169.254:80 (the address the boot script uses by default): `node -r sucrase/register imds-server.ts
 * '<FakeInstance JSON>'`. Prints "ready" once it listens.
 */
import { fakeImds } from '../harness';

fakeImds(JSON.parse(process.argv[2]), { host: '169.254.169.254', port: 80 })
  .then(() => console.log('ready'))
  .catch((error) => { console.error(String(error)); process.exit(1); });
