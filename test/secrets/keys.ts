import { constants, generateKeyPairSync, KeyObject, privateDecrypt } from 'crypto';

/**
 * A local RSA key pair standing in for an asymmetric KMS key: KMS Decrypt with RSAES_OAEP_SHA_256 is RSA-OAEP with
 * SHA-256 and MGF1-SHA-256, which is what `privateDecrypt` with `oaepHash: 'sha256'` does.
 */
export interface TestSealingKey {
  readonly privateKey: KeyObject;
  /** As `aws kms get-public-key --query PublicKey --output text` prints it: base64 DER. */
  readonly publicKeyBase64Der: string;
  readonly publicKeyPem: string;
  /** What KMS Decrypt would answer for a wrapped data key. */
  decrypt(wrapped: Uint8Array): Uint8Array;
}

const cache = new Map<number, TestSealingKey>();

export function testSealingKey(bits = 2048, fresh = false): TestSealingKey {
  if (!fresh && cache.has(bits)) return cache.get(bits)!;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const key: TestSealingKey = {
    privateKey,
    publicKeyBase64Der: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    decrypt: (wrapped) => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped),
  };
  if (!fresh) cache.set(bits, key);
  return key;
}
