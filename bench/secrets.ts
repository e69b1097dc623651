/**
 * Secret files (FileSecret / sealSecretFiles): what sealing costs at synth per secret, for values from a password to
 * the 64 KiB Secrets Manager limit, and what opening costs in the writer at deploy time (KMS stood in for by a local
 * RSA_4096 key: the figure is the function's own CPU, not KMS latency), plus the writer's bundle size.
 *
 * Synth pays one scrypt digest (N=2^17, r=8, p=1) per secret file: to seal a new value, or to tell that a committed
 * seal still matches the file. A checkout without the plain file (CI) pays nothing but reading the sealed file.
 */
import { constants, generateKeyPairSync, privateDecrypt } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { openEnvelope } from '../lambda/sealed-secret/open';
import { parseSealingPublicKey, resolveSeal } from '../lib/secrets/seal';

const SIZES = [32, 4096, 65_536];
const RUNS = 3;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function main(): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096 });
  const sealing = parseSealingPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const unwrap = async (wrapped: Uint8Array) => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
  const rows: string[][] = [];
  for (const size of SIZES) {
    const value = Buffer.alloc(size, 'k');
    const seal: number[] = [];
    const reuse: number[] = [];
    const ci: number[] = [];
    const open: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let t = performance.now();
      const first = resolveSeal({ value, publicKey: sealing, environment: 'Bench' });
      seal.push(performance.now() - t);
      t = performance.now();
      const again = resolveSeal({ value, sealedText: first.write, publicKey: sealing, environment: 'Bench' });
      reuse.push(performance.now() - t);
      if (again.outcome !== 'reused') throw new Error(`an unchanged ${size}-byte value was not reused: ${again.outcome}`);
      t = performance.now();
      resolveSeal({ sealedText: first.write, publicKey: sealing, environment: 'Bench' });
      ci.push(performance.now() - t);
      t = performance.now();
      const opened = await openEnvelope(first.envelope, 'Bench', unwrap);
      open.push(performance.now() - t);
      if (opened.length !== size) throw new Error(`the ${size}-byte value did not round-trip`);
    }
    rows.push([String(size), median(seal).toFixed(0), median(reuse).toFixed(0), median(ci).toFixed(1), median(open).toFixed(1)]);
  }
  const bundle = path.join(__dirname, '..', 'dist', 'handlers', 'sealed-secret', 'index.js');
  const kib = fs.existsSync(bundle) ? (fs.statSync(bundle).size / 1024).toFixed(0) : 'not built';
  return [
    '| value bytes | seal a new value ms | unchanged file (digest check) ms | no plain file (CI) ms | open in the writer ms |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `Medians of ${RUNS} runs, RSA_4096 sealing key. The writer bundle (dist/handlers/sealed-secret/index.js) is ${kib} KiB.`,
    'Seal and digest check are dominated by scrypt (N=2^17, r=8, p=1, about 128 MiB), once per secret file per synth.',
  ].join('\n');
}

if (require.main === module) main().then(console.log);
