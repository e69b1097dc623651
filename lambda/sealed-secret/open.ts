import { createDecipheriv, createHash } from 'crypto';
import { LEGACY_SEALED_SECRET_FORMAT, SEALED_SECRET_FORMAT, SealedEnvelope, sealedSecretAad } from '../../lib/secrets/contract';

const RESEAL = 'seal the file again: put the plain secret file beside its .sealed.json and synth, then commit the .sealed.json';

/** The envelope is not one this writer can open (wrong format, tampered, or sealed for another key), with the fix. */
export class UnreadableEnvelopeError extends Error {
  constructor(message: string, public readonly fix: string = RESEAL) {
    super(message);
    this.name = 'UnreadableEnvelopeError';
  }
}

/** The envelope was sealed for another environment: refused before KMS is asked to unwrap anything. */
export class ForeignEnvironmentError extends UnreadableEnvelopeError {
  constructor(sealedFor: string, environment: string) {
    super(`the value was sealed for environment '${sealedFor}', and this is environment '${environment}': a sealed value opens only in the environment it was sealed for`,
      `seal the file for '${environment}' (put the plain secret file beside its .sealed.json and synth this stack, then commit the .sealed.json); `
      + `if '${environment}' may hold the same values as '${sealedFor}', give both the same sealingKey.environment`);
    this.name = 'ForeignEnvironmentError';
  }
}

/** Parses the sealed asset's bytes. */
export function parseEnvelope(bytes: Uint8Array): SealedEnvelope {
  let data: any;
  try {
    data = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new UnreadableEnvelopeError('the sealed value is not JSON');
  }
  if (data?.format === LEGACY_SEALED_SECRET_FORMAT) {
    throw new UnreadableEnvelopeError(`the value was sealed by an earlier cdk-container-fleet (${LEGACY_SEALED_SECRET_FORMAT}), before sealed values were bound to an environment, and is no longer opened: any environment sharing the key could open it`);
  }
  if (data?.format !== SEALED_SECRET_FORMAT) throw new UnreadableEnvelopeError(`the sealed value has format ${String(data?.format)}, not ${SEALED_SECRET_FORMAT}`);
  for (const k of ['publicKeySha256', 'environment', 'wrappedKey', 'iv', 'tag', 'ciphertext']) {
    if (typeof data[k] !== 'string') throw new UnreadableEnvelopeError(`the sealed value has no ${k}`);
  }
  return data as SealedEnvelope;
}

/**
 * Opens an envelope for `environment`, the writer's own (from the construct, never from the envelope): an envelope
 * that says it was sealed for another environment is refused before `unwrapKey` is called. `unwrapKey` turns the
 * wrapped data key into the AES key (KMS Decrypt with RSAES_OAEP_SHA_256); AES-256-GCM then decrypts and authenticates
 * the value against `environment`, so an envelope relabelled with this environment, or otherwise tampered with, fails
 * rather than yielding another environment's value or garbage.
 */
export async function openEnvelope(envelope: SealedEnvelope, environment: string, unwrapKey: (wrapped: Uint8Array) => Promise<Uint8Array>): Promise<string> {
  if (envelope.environment !== environment) throw new ForeignEnvironmentError(envelope.environment, environment);
  const dataKey = Buffer.from(await unwrapKey(Buffer.from(envelope.wrappedKey, 'base64')));
  if (dataKey.length !== 32) throw new UnreadableEnvelopeError(`the unwrapped data key has ${dataKey.length} bytes, not 32`);
  const iv = Buffer.from(envelope.iv, 'base64');
  const tag = Buffer.from(envelope.tag, 'base64');
  try {
    if (iv.length !== 12 || tag.length !== 16) throw new Error('bad nonce or tag length');
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: 16 });
    decipher.setAAD(sealedSecretAad(envelope.publicKeySha256, environment));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new UnreadableEnvelopeError(`the sealed value fails authentication for environment '${environment}' (it was altered after sealing, or sealed for another environment and relabelled)`);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The Secrets Manager version id of a sealed value: derived from the envelope (never from the value, which a
 * guessable id would leak), 64 hex characters (ClientRequestToken takes 32 to 64), so a retried write is idempotent.
 */
export function versionTokenOf(envelopeBytes: Uint8Array): string {
  return createHash('sha256').update(envelopeBytes).digest('hex');
}
