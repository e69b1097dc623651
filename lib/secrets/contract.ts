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

/**
 * Version tag of a sealed value. v2 binds the value to the environment it was sealed for; v1 values (no environment)
 * are refused with the fix (seal again), because accepting them would let any environment that shares the key open them.
 */
export const SEALED_SECRET_FORMAT = 'cdk-container-fleet/sealed-secret/v2';

/** The format before environments were bound: recognised only to say how to replace it. */
export const LEGACY_SEALED_SECRET_FORMAT = 'cdk-container-fleet/sealed-secret/v1';

/**
 * What names an environment a value is sealed for: letters, digits, `.`, `_` and `-`, at most 128 characters (every
 * CloudFormation stack name is one), so it can never hold the `:` that separates the fields of the AAD and seal ids.
 */
export const SEALING_ENVIRONMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The additional authenticated data of the AES-GCM encryption: the format, the public key the data key was wrapped
 * for, and the environment the value was sealed for. The writer computes it from its own environment (set by the
 * construct, not read from the envelope), so a value sealed for production fails authentication in any other
 * environment even when both share the sealing key, and an envelope cannot be relabelled as another key's or
 * environment's. The SHA-256 is 64 hex characters, so the fields cannot run into each other.
 *
 * KMS encryption context cannot do this binding: KMS accepts an encryption context only with symmetric encryption keys
 * ("You cannot specify an encryption context in a cryptographic operation with an asymmetric KMS key", AWS KMS
 * Developer Guide, "Encryption context"), and the sealing key is asymmetric so that synth can seal offline.
 */
export function sealedSecretAad(publicKeySha256: string, environment: string): Buffer {
  return Buffer.from(`${SEALED_SECRET_FORMAT}:${publicKeySha256}:${environment}`);
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
  /**
   * The environment the value was sealed for (part of the AAD): informational, so that a writer of another environment
   * says which one instead of only "fails authentication".
   */
  readonly environment: string;
  /** The AES-256 data key, encrypted with the KMS key's public key (RSAES_OAEP_SHA_256). */
  readonly wrappedKey: string;
  /** AES-GCM nonce (12 bytes). */
  readonly iv: string;
  /** AES-GCM authentication tag (16 bytes). */
  readonly tag: string;
  /** The value, AES-256-GCM encrypted. */
  readonly ciphertext: string;
}
