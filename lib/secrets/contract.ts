/**
 * The sealed-secret format shared by the synth side (lib/secrets/seal.ts) and the deploy-time writer
 * (lambda/sealed-secret): what a sealed value looks like and how it is opened. A leaf module: no imports (Buffer is
 * Node's global).
 *
 * A value is sealed with envelope encryption, because RSA-OAEP alone takes at most 190 to 446 bytes (RSA_2048 to
 * RSA_4096 with SHA-256) and a secret may be 64 KiB: a random AES-256-GCM key encrypts the value, and the public key of
 * an asymmetric KMS key wraps that AES key with RSAES_OAEP_SHA_256 (OAEP, SHA-256 and MGF1 with SHA-256), which KMS
 * Decrypt opens without the private key ever leaving KMS (AWS KMS API Reference, "Decrypt"; Developer Guide,
 * "Asymmetric keys: encryption outside of AWS KMS").
 */

/** Version tag of a sealed value. */
export const SEALED_SECRET_FORMAT = 'cdk-container-fleet/sealed-secret/v1';

/**
 * The additional authenticated data of the AES-GCM encryption: the format and the public key the data key was wrapped
 * for, so an envelope cannot be relabelled as another key's.
 */
export function sealedSecretAad(publicKeySha256: string): Buffer {
  return Buffer.from(`${SEALED_SECRET_FORMAT}:${publicKeySha256}`);
}

/** The KMS encryption algorithm of the wrapped key (and the `kms:EncryptionAlgorithm` the writer is allowed). */
export const SEALING_ALGORITHM = 'RSAES_OAEP_SHA_256';

/** Largest secret value Secrets Manager stores (SecretString, 65,536 bytes; Secrets Manager quotas). */
export const MAX_SECRET_BYTES = 65_536;

/** A sealed value: everything the writer needs besides the KMS key. All binary fields are base64. */
export interface SealedEnvelope {
  readonly format: typeof SEALED_SECRET_FORMAT;
  /** SHA-256 (hex) of the DER public key that wrapped the data key, so a key mismatch is told apart from corruption. */
  readonly publicKeySha256: string;
  /** The AES-256 data key, encrypted with the KMS key's public key (RSAES_OAEP_SHA_256). */
  readonly wrappedKey: string;
  /** AES-GCM nonce (12 bytes). */
  readonly iv: string;
  /** AES-GCM authentication tag (16 bytes). */
  readonly tag: string;
  /** The value, AES-256-GCM encrypted. */
  readonly ciphertext: string;
}
