import { generateKeyPairSync } from 'crypto';
import * as fc from 'fast-check';
import { openEnvelope, parseEnvelope, UnreadableEnvelopeError } from '../../lambda/sealed-secret/open';
import { MAX_SECRET_BYTES, SEALED_SECRET_FORMAT } from '../../lib/secrets/contract';
import {
  checkSecretValue, digestMatches, digestOf, parseSealedFile, parseSealingPublicKey, renderSealedFile, resolveSeal, SealError, sealValue,
} from '../../lib/secrets/seal';
import { testSealingKey } from './keys';

const key = testSealingKey();
const publicKey = parseSealingPublicKey(key.publicKeyBase64Der);
const open = (envelope: any, k = key) => openEnvelope(envelope, async (w) => k.decrypt(w));
const FAST = { log2N: 10, r: 8, p: 1 };

describe('parseSealingPublicKey', () => {
  test('reads what `aws kms get-public-key --output text` prints (base64 DER) and PEM, to the same fingerprint', () => {
    const pem = parseSealingPublicKey(key.publicKeyPem);
    expect(publicKey.bits).toBe(2048);
    expect(pem.sha256).toBe(publicKey.sha256);
    expect(publicKey.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test('refuses what is not an RSA key of a KMS encryption key spec, saying which specs are', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parseSealingPublicKey(ec)).toThrow(/an ec key, which no KMS encryption key spec has/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(() => parseSealingPublicKey(small)).toThrow(/1024-bit RSA/);
    try {
      parseSealingPublicKey('arn:aws:kms:eu-west-1:111111111111:key/1234');
    } catch (e) {
      expect((e as SealError).message).toMatch(/is not a public key/);
      expect((e as SealError).fix).toMatch(/aws kms get-public-key/);
    }
  });
});

describe('sealValue and openEnvelope', () => {
  test('a sealed value opens with the private key only, and holds no clear text', async () => {
    const value = Buffer.from('s3cr3t-password-that-must-not-leak');
    const envelope = sealValue(value, publicKey);
    expect(envelope.format).toBe(SEALED_SECRET_FORMAT);
    expect(JSON.stringify(envelope)).not.toContain('s3cr3t');
    expect(JSON.stringify(envelope)).not.toContain(value.toString('base64').slice(0, 20));
    await expect(open(envelope)).resolves.toBe(value.toString());
    const other = testSealingKey(2048, true);
    await expect(open(envelope, other)).rejects.toThrow();
  });

  test('round trip for any UTF-8 text up to the Secrets Manager limit (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }), async (text) => {
      fc.pre(!text.includes('\0'));
      const envelope = sealValue(Buffer.from(text), publicKey);
      expect(await open(envelope)).toBe(text);
    }), { numRuns: 40 });
    const big = Buffer.alloc(MAX_SECRET_BYTES, 'x');
    expect(await open(sealValue(big, publicKey))).toHaveLength(MAX_SECRET_BYTES);
  });

  test('sealing is randomized: the same value gives two different envelopes', () => {
    const a = sealValue(Buffer.from('same'), publicKey);
    const b = sealValue(Buffer.from('same'), publicKey);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
  });

  test('an altered ciphertext, tag or format fails instead of yielding garbage', async () => {
    const envelope = sealValue(Buffer.from('value'), publicKey);
    const flipped = Buffer.from(envelope.ciphertext, 'base64');
    flipped[0] ^= 1;
    await expect(open({ ...envelope, ciphertext: flipped.toString('base64') })).rejects.toThrow(UnreadableEnvelopeError);
    await expect(open({ ...envelope, tag: Buffer.alloc(16).toString('base64') })).rejects.toThrow(/fails authentication/);
    expect(() => parseEnvelope(Buffer.from(JSON.stringify({ ...envelope, format: 'v0' })))).toThrow(/format v0/);
    expect(() => parseEnvelope(Buffer.from('not json'))).toThrow(/not JSON/);
  });
});

describe('checkSecretValue', () => {
  test('refuses what Secrets Manager or an environment variable cannot carry, with the fix', () => {
    expect(() => checkSecretValue(Buffer.alloc(0))).toThrow(/empty/);
    expect(() => checkSecretValue(Buffer.alloc(MAX_SECRET_BYTES + 1, 'a'))).toThrow(/65537 bytes; Secrets Manager stores at most 65536/);
    expect(() => checkSecretValue(Buffer.from([0xff, 0xfe, 0x00]))).toThrow(/not UTF-8/);
    expect(() => checkSecretValue(Buffer.from('a\0b'))).toThrow(/NUL/);
    expect(() => checkSecretValue(Buffer.from('pässwörd\n'))).not.toThrow();
  });
});

describe('digests', () => {
  test('a digest matches its value only, is salted, and a malformed or too costly one matches nothing', () => {
    const d = digestOf(Buffer.from('one'), undefined, undefined, FAST);
    expect(d).toMatch(/^scrypt:10:8:1:/);
    expect(digestMatches(Buffer.from('one'), d)).toBe(true);
    expect(digestMatches(Buffer.from('two'), d)).toBe(false);
    expect(digestOf(Buffer.from('one'), undefined, undefined, FAST)).not.toBe(d);
    expect(digestMatches(Buffer.from('one'), 'sha1:abc')).toBe(false);
    // Never costlier than what synth writes (N=2^17, r=8, p=1): a crafted file cannot make synth allocate gigabytes.
    for (const costly of ['scrypt:18:8:1:', 'scrypt:17:16:1:', 'scrypt:17:8:2:']) expect(digestMatches(Buffer.from('one'), d.replace('scrypt:10:8:1:', costly))).toBe(false);
  });

  test('a digest with an envelope matches that envelope only', () => {
    const a = sealValue(Buffer.from('v'), publicKey);
    const b = sealValue(Buffer.from('v'), publicKey);
    const d = digestOf(Buffer.from('v'), a, undefined, FAST);
    expect(digestMatches(Buffer.from('v'), d, a)).toBe(true);
    expect(digestMatches(Buffer.from('v'), d, b)).toBe(false);
    expect(digestMatches(Buffer.from('v'), d)).toBe(false);
  });

  test('the default cost is OWASP\'s scrypt minimum (N=2^17, r=8, p=1)', () => {
    expect(digestOf(Buffer.from('x'))).toMatch(/^scrypt:17:8:1:/);
  });
});

describe('resolveSeal', () => {
  const value = Buffer.from('db-password');
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/k';
  const first = resolveSeal({ value, publicKey, keyArn: KEY_ARN });

  test('a new file is sealed and its sealed file written; the sealed file holds a digest, not the value', () => {
    expect(first.outcome).toBe('sealed');
    expect(first.write).toBeDefined();
    expect(first.write).not.toContain('db-password');
    const parsed = parseSealedFile(first.write!)!;
    expect(Object.keys(parsed.seals)).toEqual([publicKey.sha256]);
    expect(parsed.seals[publicKey.sha256]).toMatchObject({ keyArn: KEY_ARN, envelope: first.envelope, digest: expect.stringMatching(/^scrypt:17:8:1:/) });
  });

  test('an unchanged file reuses the committed envelope, so synthesis is repeatable', () => {
    const again = resolveSeal({ value, sealedText: first.write, publicKey });
    expect(again).toEqual({ envelope: first.envelope, outcome: 'reused' });
  });

  test('a changed file, or an unreadable sealed file, is sealed again, saying why', async () => {
    const changed = resolveSeal({ value: Buffer.from('new-password'), sealedText: first.write, publicKey });
    expect(changed).toMatchObject({ outcome: 'resealed', reason: 'the secret file changed, or its sealed value was replaced' });
    expect(await open(changed.envelope)).toBe('new-password');
    expect(resolveSeal({ value, sealedText: '{}', publicKey })).toMatchObject({ outcome: 'resealed', reason: 'the sealed file was unreadable' });
  });

  test('an envelope swapped in the sealed file (anyone can seal with the public key) no longer matches: synth seals again', async () => {
    const forged = sealValue(Buffer.from('attacker-chosen'), publicKey);
    const file = JSON.parse(first.write!);
    file.seals[publicKey.sha256].envelope = forged;
    const result = resolveSeal({ value, sealedText: JSON.stringify(file), publicKey });
    expect(result.outcome).toBe('resealed');
    expect(await open(result.envelope)).toBe('db-password');
  });

  test('one sealed file serves several keys: each stack reuses its own seal and keeps the others', async () => {
    const other = testSealingKey(2048, true);
    const otherKey = parseSealingPublicKey(other.publicKeyPem);
    const second = resolveSeal({ value, sealedText: first.write, publicKey: otherKey });
    expect(second.outcome).toBe('sealed');
    expect(await open(second.envelope, other)).toBe('db-password');
    const both = parseSealedFile(second.write!)!;
    expect(Object.keys(both.seals).sort()).toEqual([publicKey.sha256, otherKey.sha256].sort());
    expect(both.seals[publicKey.sha256].envelope).toEqual(first.envelope);
    // Both stacks now synthesize repeatably from the one file, with and without the plain file.
    expect(resolveSeal({ value, sealedText: second.write, publicKey })).toEqual({ envelope: first.envelope, outcome: 'reused' });
    expect(resolveSeal({ value, sealedText: second.write, publicKey: otherKey })).toEqual({ envelope: second.envelope, outcome: 'reused' });
    expect(resolveSeal({ sealedText: second.write, publicKey: otherKey })).toEqual({ envelope: second.envelope, outcome: 'sealed-file-only' });
  });

  test('without the plain file (a CI checkout) the committed envelope is deployed as it is', () => {
    expect(resolveSeal({ sealedText: first.write, publicKey })).toEqual({ envelope: first.envelope, outcome: 'sealed-file-only' });
  });

  test('without the plain file, a missing or unreadable sealed file, or one without a seal for this key, is an error with the fix', () => {
    expect(() => resolveSeal({ publicKey })).toThrow(/neither the file nor its sealed copy exists/);
    expect(() => resolveSeal({ sealedText: 'garbage', publicKey })).toThrow(/not a cdk-container-fleet sealed file/);
    const other = parseSealingPublicKey(testSealingKey(2048, true).publicKeyPem);
    try {
      resolveSeal({ sealedText: first.write, publicKey: other });
      throw new Error('expected an error');
    } catch (e) {
      expect((e as SealError).message).toMatch(new RegExp(`no seal for this key .*it has: ${publicKey.sha256.slice(0, 16)}`));
      expect((e as SealError).fix).toMatch(/put the plain secret file beside it and synth once/);
    }
  });

  test('a seal filed under another key\'s fingerprint is ignored', () => {
    const file = JSON.parse(first.write!);
    file.seals = { ['0'.repeat(64)]: file.seals[publicKey.sha256] };
    expect(parseSealedFile(JSON.stringify(file))!.seals).toEqual({});
  });

  test('the rendered sealed file is stable: rendering the same seals twice gives the same bytes', () => {
    expect(renderSealedFile(parseSealedFile(first.write!)!.seals)).toBe(first.write);
  });
});
