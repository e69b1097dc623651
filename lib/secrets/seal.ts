import { constants, createCipheriv, createHash, createPublicKey, KeyObject, publicEncrypt, randomBytes, scryptSync, timingSafeEqual } from 'crypto';
import { MAX_SECRET_BYTES, SEALED_SECRET_FORMAT, SealedEnvelope, sealedSecretAad, SEALING_ENVIRONMENT_PATTERN } from './contract';

/**
 * Sealing a secret file at synth, offline: the value is encrypted with the public key of an asymmetric KMS key
 * (see ./contract.ts), so the cloud assembly and the template hold ciphertext only and nothing but that KMS key opens
 * it. Pure functions over Node's crypto; the construct (./file-secret.ts) does the file I/O.
 *
 * RSA-OAEP is randomized, so sealing the same value twice gives two envelopes. To keep synthesis repeatable (snapshot
 * tests, `cdk diff`), the envelope is kept in a sealed file beside the secret file, one seal per sealing key, and
 * reused while the value is unchanged. A seal is for one sealing key and one environment: the environment is part of
 * the AES-GCM AAD, so a value sealed for production does not open in QA even when both share the key. Whether it is unchanged is told by a salted scrypt digest stored in that
 * sealed file, never in the assembly: like a password hash, it resists guessing only as well as the value does.
 */

/** Version tag of a sealed file: v2 holds one seal per sealing key and environment. */
export const SEALED_FILE_FORMAT = 'cdk-container-fleet/sealed-file/v2';

/** The sealed file before environments were bound (one seal per key): recognised only to replace it or say how. */
export const LEGACY_SEALED_FILE_FORMAT = 'cdk-container-fleet/sealed-file/v1';

/** A bad value or file, with the fix from the user's point of view. */
export class SealError extends Error {
  constructor(message: string, public readonly fix: string) {
    super(message);
    this.name = 'SealError';
  }
}

/** The public half of the sealing key, parsed. */
export interface SealingPublicKey {
  readonly key: KeyObject;
  /** SHA-256 (hex) of its DER encoding (SubjectPublicKeyInfo, what KMS GetPublicKey returns). */
  readonly sha256: string;
  /** RSA modulus length. */
  readonly bits: number;
}

/** One key's seal of the value for one environment. */
export interface KeySeal {
  /** Informational: the KMS key it was sealed for, when it was known at synth. */
  readonly keyArn?: string;
  /** scrypt digest of the value and this envelope's hash: tells synth whether the file changed since it was sealed. */
  readonly digest: string;
  readonly envelope: SealedEnvelope;
}

/**
 * What a sealed file holds: a seal per sealing key and environment (by {@link sealIdOf}), so one secret file can be
 * deployed by several environments, with their own keys or one shared key, and every stack's synthesis stays
 * repeatable.
 */
export interface SealedFile {
  readonly format: typeof SEALED_FILE_FORMAT;
  readonly note: string;
  readonly seals: Record<string, KeySeal>;
}

/**
 * The id of a seal in a sealed file: `<environment>:<public key SHA-256>`. Environments hold no `:`
 * ({@link SEALING_ENVIRONMENT_PATTERN}), so the id names one pair.
 */
export function sealIdOf(environment: string, publicKeySha256: string): string {
  return `${environment}:${publicKeySha256}`;
}

/** Refuses an environment name the AAD and seal ids cannot carry unambiguously. */
export function checkSealingEnvironment(environment: string): void {
  if (!SEALING_ENVIRONMENT_PATTERN.test(environment)) {
    throw new SealError(`environment '${environment}' is not an environment name`,
      "use letters, digits, '.', '_' and '-' only, at most 128 characters, starting with a letter or digit (a stack name is one)");
  }
}

const GET_PUBLIC_KEY = "aws kms get-public-key --key-id <key arn> --query PublicKey --output text";
const KMS_RSA_BITS = [2048, 3072, 4096];

/**
 * Parses a KMS public key as `aws kms get-public-key` prints it (base64 DER) or as PEM. Only RSA keys of the KMS
 * key specs RSA_2048, RSA_3072 and RSA_4096 encrypt (ECC keys sign only; SM2 exists in China Regions only).
 */
export function parseSealingPublicKey(text: string): SealingPublicKey {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new SealError(`publicKey '${trimmed.slice(0, 40)}${trimmed.length > 40 ? '…' : ''}' is not a public key`,
      `pass what \`${GET_PUBLIC_KEY}\` prints (base64 DER) or the same key as PEM`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || bits === undefined || !KMS_RSA_BITS.includes(bits)) {
    throw new SealError(`publicKey is a${key.asymmetricKeyType === 'rsa' ? ` ${bits}-bit RSA` : `n ${key.asymmetricKeyType}`} key, which no KMS encryption key spec has`,
      'create the sealing key with key spec RSA_2048, RSA_3072 or RSA_4096 and key usage ENCRYPT_DECRYPT');
  }
  const der = key.export({ type: 'spki', format: 'der' });
  return { key, bits, sha256: createHash('sha256').update(der).digest('hex') };
}

/** Refuses what Secrets Manager or an ECS environment variable cannot carry. */
export function checkSecretValue(value: Buffer): void {
  if (value.length === 0) throw new SealError('the file is empty', 'put the secret value in it (Secrets Manager stores no empty value)');
  if (value.length > MAX_SECRET_BYTES) {
    throw new SealError(`the file has ${value.length} bytes; Secrets Manager stores at most ${MAX_SECRET_BYTES}`, 'store large files elsewhere (S3) and put their location in the secret');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    throw new SealError('the file is not UTF-8 text (ECS passes a secret to the container as a string)', 'store binary values base64-encoded and decode them in the container');
  }
  if (text.includes('\0')) throw new SealError('the file contains a NUL byte, which no environment variable can hold', 'store the value base64-encoded');
}

/**
 * Seals `value` for the holder of the private half of `publicKey`, to be opened in `environment` only (a fresh data
 * key and nonce every time).
 */
export function sealValue(value: Buffer, publicKey: SealingPublicKey, environment: string): SealedEnvelope {
  checkSealingEnvironment(environment);
  const dataKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: 16 });
  cipher.setAAD(sealedSecretAad(publicKey.sha256, environment));
  const ciphertext = Buffer.concat([cipher.update(value), cipher.final()]);
  const wrappedKey = publicEncrypt({ key: publicKey.key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
  dataKey.fill(0);
  return {
    format: SEALED_SECRET_FORMAT,
    publicKeySha256: publicKey.sha256,
    environment,
    wrappedKey: wrappedKey.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

// OWASP's scrypt minimum (N=2^17, r=8, p=1): about 128 MiB and a few hundred milliseconds per digest.
const SCRYPT = { log2N: 17, r: 8, p: 1 };

/**
 * A salted scrypt digest of `value`: `scrypt:<log2 N>:<r>:<p>:<salt>:<hash>`. With `envelope`, the digest also covers
 * that envelope's SHA-256, so a committed envelope swapped for another one (anyone can seal with a public key) no longer
 * matches, and synth seals the file again: the swap becomes a diff of the sealed file on the next synth.
 */
export function digestOf(value: Buffer, envelope?: SealedEnvelope, salt: Buffer = randomBytes(16), params = SCRYPT): string {
  const hash = scrypt(digestInput(value, envelope), salt, params);
  return ['scrypt', params.log2N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join(':');
}

/** Whether `digest` is a digest of `value` (and `envelope`). A malformed digest, or a costlier one than ours, matches nothing. */
export function digestMatches(value: Buffer, digest: string, envelope?: SealedEnvelope): boolean {
  const m = /^scrypt:(\d+):(\d+):(\d+):([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(digest);
  if (!m) return false;
  const params = { log2N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Never costlier than what synth writes (128 MiB), so a crafted sealed file cannot make synth allocate gigabytes.
  if (params.log2N < 10 || params.log2N > SCRYPT.log2N || params.r < 1 || params.r > SCRYPT.r || params.p !== 1) return false;
  const expected = Buffer.from(m[5], 'base64');
  const actual = scrypt(digestInput(value, envelope), Buffer.from(m[4], 'base64'), params);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function digestInput(value: Buffer, envelope?: SealedEnvelope): Buffer {
  return envelope === undefined ? value : Buffer.concat([value, Buffer.from(`\n${envelopeSha256(envelope)}`)]);
}

/** SHA-256 (hex) of an envelope, over its fields in a fixed order. */
export function envelopeSha256(envelope: SealedEnvelope): string {
  const { format, publicKeySha256, environment, wrappedKey, iv, tag, ciphertext } = envelope;
  return createHash('sha256').update(JSON.stringify([format, publicKeySha256, environment, wrappedKey, iv, tag, ciphertext])).digest('hex');
}

function scrypt(value: Buffer, salt: Buffer, p: typeof SCRYPT): Buffer {
  const N = 2 ** p.log2N;
  return scryptSync(value, salt, 32, { N, r: p.r, p: p.p, maxmem: 256 * N * p.r * p.p });
}

const isEnvelope = (e: any): e is SealedEnvelope => !!e && e.format === SEALED_SECRET_FORMAT
  && ['publicKeySha256', 'environment', 'wrappedKey', 'iv', 'tag', 'ciphertext'].every((k) => typeof e[k] === 'string' && e[k].length > 0)
  && SEALING_ENVIRONMENT_PATTERN.test(e.environment);

/** Whether `text` is a sealed file of the format before environments were bound. */
export function isLegacySealedFile(text: string): boolean {
  try {
    return JSON.parse(text)?.format === LEGACY_SEALED_FILE_FORMAT;
  } catch {
    return false;
  }
}

/** Parses a sealed file; undefined when it is not one (or not this version). Seals that do not parse are left out. */
export function parseSealedFile(text: string): SealedFile | undefined {
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (data?.format !== SEALED_FILE_FORMAT || typeof data.seals !== 'object' || data.seals === null) return undefined;
  const seals: Record<string, KeySeal> = {};
  for (const [id, seal] of Object.entries<any>(data.seals)) {
    // A seal filed under another id (another key's or environment's) is left out: synth would reuse it for the wrong one.
    if (typeof seal?.digest === 'string' && isEnvelope(seal.envelope) && sealIdOf(seal.envelope.environment, seal.envelope.publicKeySha256) === id) seals[id] = seal;
  }
  return { format: SEALED_FILE_FORMAT, note: String(data.note ?? ''), seals };
}

/** Renders a sealed file (keys in a fixed order, so an unchanged seal is an unchanged file). */
export function renderSealedFile(seals: Record<string, KeySeal>): string {
  const ordered: Record<string, KeySeal> = {};
  for (const id of Object.keys(seals).sort()) {
    const { keyArn, digest, envelope } = seals[id];
    ordered[id] = { ...(keyArn ? { keyArn } : {}), digest, envelope };
  }
  const file: SealedFile = {
    format: SEALED_FILE_FORMAT,
    note: 'Sealed by cdk-container-fleet: each seal opens only with its KMS key, in its environment. Commit this file; keep the plain secret file out of version control.',
    seals: ordered,
  };
  return JSON.stringify(file, undefined, 2) + '\n';
}

/** How the envelope of a secret file was obtained. */
export enum SealOutcome {
  /** The value is unchanged since it was sealed for this key: the committed envelope, so synthesis is repeatable. */
  REUSED = 'reused',
  /** No seal for this key yet. */
  SEALED = 'sealed',
  /** The value changed, the envelope was replaced, or the sealed file was unreadable. */
  RESEALED = 'resealed',
  /** No plain file (a CI checkout): the committed envelope as it is. */
  SEALED_FILE_ONLY = 'sealed-file-only',
}

/** The envelope to deploy, and the sealed file to write when it changed. */
export interface SealResult {
  readonly envelope: SealedEnvelope;
  readonly outcome: SealOutcome;
  /** Why it was resealed. */
  readonly reason?: string;
  /** New content of the sealed file, when it must be (re)written. Seals of other keys are kept. */
  readonly write?: string;
}

/**
 * Decides the envelope of one secret file for one sealing key and environment, from the file's plain value (absent in
 * a checkout where it is not committed) and its sealed file (absent before the first seal).
 */
export function resolveSeal(input: {
  readonly value?: Buffer;
  readonly sealedText?: string;
  readonly publicKey: SealingPublicKey;
  /** The environment that deploys it: only a seal for this environment is used. */
  readonly environment: string;
  readonly keyArn?: string;
}): SealResult {
  const { environment, publicKey } = input;
  checkSealingEnvironment(environment);
  const legacy = input.sealedText !== undefined && isLegacySealedFile(input.sealedText);
  const sealed = input.sealedText === undefined || legacy ? undefined : parseSealedFile(input.sealedText);
  const id = sealIdOf(environment, publicKey.sha256);
  const mine = sealed?.seals[id];
  if (input.value === undefined) {
    if (input.sealedText === undefined) {
      throw new SealError('neither the file nor its sealed copy exists', 'create the secret file (synth seals it), or check out the sealed file committed beside it');
    }
    if (legacy) {
      throw new SealError('the sealed file was written by an earlier cdk-container-fleet (sealed-file v1), whose seals are not bound to an environment and are no longer deployed, '
        + 'because any environment sharing the key could open them',
      `put the plain secret file beside it and synth once to seal it for environment '${environment}', then commit the sealed file`);
    }
    if (sealed === undefined) {
      throw new SealError('the sealed file is not a cdk-container-fleet sealed file (or was edited)', 'restore it from version control, or put the plain secret file beside it and synth to seal it again');
    }
    if (mine === undefined) throw missingSeal(sealed, environment, publicKey.sha256);
    return { envelope: mine.envelope, outcome: SealOutcome.SEALED_FILE_ONLY };
  }
  checkSecretValue(input.value);
  if (mine !== undefined && digestMatches(input.value, mine.digest, mine.envelope)) {
    return { envelope: mine.envelope, outcome: SealOutcome.REUSED };
  }
  const envelope = sealValue(input.value, publicKey, environment);
  const seal: KeySeal = { ...(input.keyArn ? { keyArn: input.keyArn } : {}), digest: digestOf(input.value, envelope), envelope };
  const reason = input.sealedText === undefined || (sealed !== undefined && mine === undefined) ? undefined
    : legacy ? 'the sealed file was written before seals were bound to an environment (sealed-file v1): its seals are replaced, and other environments must seal it again too'
      : sealed === undefined ? 'the sealed file was unreadable'
        : 'the secret file changed, or its sealed value was replaced';
  return {
    envelope,
    outcome: mine === undefined && (sealed !== undefined || input.sealedText === undefined) ? SealOutcome.SEALED : SealOutcome.RESEALED,
    reason,
    write: renderSealedFile({ ...(sealed?.seals ?? {}), [id]: seal }),
  };
}

/** No seal for this key and environment: says which seals there are, and when this key has some, for which environments. */
function missingSeal(sealed: SealedFile, environment: string, publicKeySha256: string): SealError {
  const short = (sha: string) => `${sha.slice(0, 16)}…`;
  const seals = Object.values(sealed.seals).map((s) => s.envelope);
  const sameKey = seals.filter((e) => e.publicKeySha256 === publicKeySha256).map((e) => `'${e.environment}'`);
  if (sameKey.length > 0) {
    return new SealError(`the sealed file has no seal for environment '${environment}' with this key (it has this key's seals for ${sameKey.join(', ')}); `
      + 'a value sealed for one environment does not open in another, even with the same key',
    `put the plain secret file beside it and synth once to seal it for '${environment}', then commit the sealed file; `
      + `if '${environment}' may hold the same value as ${sameKey.join(' or ')} (every branch of QA, say), give them the same sealingKey.environment`);
  }
  const others = seals.map((e) => `${short(e.publicKeySha256)} for '${e.environment}'`).join(', ') || 'none';
  return new SealError(`the sealed file has no seal for this key (public key sha256 ${short(publicKeySha256)}; it has: ${others})`,
    `put the plain secret file beside it and synth once to seal it for this key and environment '${environment}', then commit the sealed file`);
}
