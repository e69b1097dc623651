import { createDecipheriv, createHash } from 'crypto';
import { SEALED_SECRET_FORMAT, SealedEnvelope, sealedSecretAad } from '../../lib/secrets/contract';

/** The envelope is not one this writer can open (wrong format, tampered, or sealed for another key). */
export class UnreadableEnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableEnvelopeError';
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
  if (data?.format !== SEALED_SECRET_FORMAT) throw new UnreadableEnvelopeError(`the sealed value has format ${String(data?.format)}, not ${SEALED_SECRET_FORMAT}`);
  for (const k of ['publicKeySha256', 'wrappedKey', 'iv', 'tag', 'ciphertext']) {
    if (typeof data[k] !== 'string') throw new UnreadableEnvelopeError(`the sealed value has no ${k}`);
  }
  return data as SealedEnvelope;
}

/**
 * Opens an envelope: `unwrapKey` turns the wrapped data key into the AES key (KMS Decrypt with RSAES_OAEP_SHA_256);
 * AES-256-GCM then decrypts and authenticates the value, so a tampered envelope fails rather than yielding garbage.
 */
export async function openEnvelope(envelope: SealedEnvelope, unwrapKey: (wrapped: Uint8Array) => Promise<Uint8Array>): Promise<string> {
  const dataKey = Buffer.from(await unwrapKey(Buffer.from(envelope.wrappedKey, 'base64')));
  if (dataKey.length !== 32) throw new UnreadableEnvelopeError(`the unwrapped data key has ${dataKey.length} bytes, not 32`);
  const iv = Buffer.from(envelope.iv, 'base64');
  const tag = Buffer.from(envelope.tag, 'base64');
  try {
    if (iv.length !== 12 || tag.length !== 16) throw new Error('bad nonce or tag length');
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: 16 });
    decipher.setAAD(sealedSecretAad(envelope.publicKeySha256));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new UnreadableEnvelopeError('the sealed value fails authentication (it was altered after sealing)');
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
