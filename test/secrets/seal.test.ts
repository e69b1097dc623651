import { generateKeyPairSync } from 'crypto';
import * as fc from 'fast-check';
import { ForeignEnvironmentError, openEnvelope, parseEnvelope, UnreadableEnvelopeError } from '../../lambda/sealed-secret/open';
import { LEGACY_SEALED_SECRET_FORMAT, MAX_SECRET_BYTES, SEALED_SECRET_FORMAT } from '../../lib/secrets/contract';
import {
  checkSecretValue, digestMatches, digestOf, parseSealedFile, parseSealingPublicKey, renderSealedFile, resolveSeal, SealError, sealIdOf, SealOutcome, sealValue,
} from '../../lib/secrets/seal';
import { testSealingKey } from './keys';

const key = testSealingKey();
const publicKey = parseSealingPublicKey(key.publicKeyBase64Der);
const ENV = 'Qa';
const id = (sha: string, environment = ENV) => sealIdOf(environment, sha);
const open = (envelope: any, k = key, environment = ENV) => openEnvelope(envelope, environment, async (w) => k.decrypt(w));
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
    const envelope = sealValue(value, publicKey, ENV);
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
      const envelope = sealValue(Buffer.from(text), publicKey, ENV);
      expect(await open(envelope)).toBe(text);
    }), { numRuns: 40 });
    const big = Buffer.alloc(MAX_SECRET_BYTES, 'x');
    expect(await open(sealValue(big, publicKey, ENV))).toHaveLength(MAX_SECRET_BYTES);
  });

  test('sealing is randomized: the same value gives two different envelopes', () => {
    const a = sealValue(Buffer.from('same'), publicKey, ENV);
    const b = sealValue(Buffer.from('same'), publicKey, ENV);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
  });

  test('an altered ciphertext, tag or format fails instead of yielding garbage', async () => {
    const envelope = sealValue(Buffer.from('value'), publicKey, ENV);
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
    const a = sealValue(Buffer.from('v'), publicKey, ENV);
    const b = sealValue(Buffer.from('v'), publicKey, ENV);
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
  const first = resolveSeal({ value, publicKey, keyArn: KEY_ARN, environment: ENV });

  test('a new file is sealed and its sealed file written; the sealed file holds a digest, not the value', () => {
    expect(first.outcome).toBe('sealed');
    expect(first.write).toBeDefined();
    expect(first.write).not.toContain('db-password');
    const parsed = parseSealedFile(first.write!)!;
    expect(Object.keys(parsed.seals)).toEqual([`Qa:${publicKey.sha256}`]);
    expect(parsed.seals[id(publicKey.sha256)]).toMatchObject({ keyArn: KEY_ARN, envelope: first.envelope, digest: expect.stringMatching(/^scrypt:17:8:1:/) });
  });

  test('an unchanged file reuses the committed envelope, so synthesis is repeatable', () => {
    const again = resolveSeal({ value, sealedText: first.write, publicKey, environment: ENV });
    expect(again).toEqual({ envelope: first.envelope, outcome: 'reused' });
  });

  test('a changed file, or an unreadable sealed file, is sealed again, saying why', async () => {
    const changed = resolveSeal({ value: Buffer.from('new-password'), sealedText: first.write, publicKey, environment: ENV });
    expect(changed).toMatchObject({ outcome: 'resealed', reason: 'the secret file changed, or its sealed value was replaced' });
    expect(await open(changed.envelope)).toBe('new-password');
    expect(resolveSeal({ value, sealedText: '{}', publicKey, environment: ENV })).toMatchObject({ outcome: 'resealed', reason: 'the sealed file was unreadable' });
  });

  test('an envelope swapped in the sealed file (anyone can seal with the public key) no longer matches: synth seals again', async () => {
    const forged = sealValue(Buffer.from('attacker-chosen'), publicKey, ENV);
    const file = JSON.parse(first.write!);
    file.seals[id(publicKey.sha256)].envelope = forged;
    const result = resolveSeal({ value, sealedText: JSON.stringify(file), publicKey, environment: ENV });
    expect(result.outcome).toBe('resealed');
    expect(await open(result.envelope)).toBe('db-password');
  });

  test('one sealed file serves several keys: each stack reuses its own seal and keeps the others', async () => {
    const other = testSealingKey(2048, true);
    const otherKey = parseSealingPublicKey(other.publicKeyPem);
    const second = resolveSeal({ value, sealedText: first.write, publicKey: otherKey, environment: ENV });
    expect(second.outcome).toBe('sealed');
    expect(await open(second.envelope, other)).toBe('db-password');
    const both = parseSealedFile(second.write!)!;
    expect(Object.keys(both.seals).sort()).toEqual([id(publicKey.sha256), id(otherKey.sha256)].sort());
    expect(both.seals[id(publicKey.sha256)].envelope).toEqual(first.envelope);
    // Both stacks now synthesize repeatably from the one file, with and without the plain file.
    expect(resolveSeal({ value, sealedText: second.write, publicKey, environment: ENV })).toEqual({ envelope: first.envelope, outcome: 'reused' });
    expect(resolveSeal({ value, sealedText: second.write, publicKey: otherKey, environment: ENV })).toEqual({ envelope: second.envelope, outcome: 'reused' });
    expect(resolveSeal({ sealedText: second.write, publicKey: otherKey, environment: ENV })).toEqual({ envelope: second.envelope, outcome: 'sealed-file-only' });
  });

  test('without the plain file (a CI checkout) the committed envelope is deployed as it is', () => {
    expect(resolveSeal({ sealedText: first.write, publicKey, environment: ENV })).toEqual({ envelope: first.envelope, outcome: 'sealed-file-only' });
  });

  test('without the plain file, a missing or unreadable sealed file, or one without a seal for this key, is an error with the fix', () => {
    expect(() => resolveSeal({ publicKey, environment: ENV })).toThrow(/neither the file nor its sealed copy exists/);
    expect(() => resolveSeal({ sealedText: 'garbage', publicKey, environment: ENV })).toThrow(/not a cdk-container-fleet sealed file/);
    const other = parseSealingPublicKey(testSealingKey(2048, true).publicKeyPem);
    try {
      resolveSeal({ sealedText: first.write, publicKey: other, environment: ENV });
      throw new Error('expected an error');
    } catch (e) {
      expect((e as SealError).message).toMatch(new RegExp(`no seal for this key .*it has: ${publicKey.sha256.slice(0, 16)}… for 'Qa'`));
      expect((e as SealError).fix).toMatch(/put the plain secret file beside it and synth once/);
    }
  });

  test('a seal filed under another key\'s fingerprint or another environment is ignored', () => {
    const file = JSON.parse(first.write!);
    for (const other of [id('0'.repeat(64)), id(publicKey.sha256, 'Production'), publicKey.sha256]) {
      file.seals = { [other]: file.seals[id(publicKey.sha256)] ?? Object.values(file.seals)[0] };
      expect(parseSealedFile(JSON.stringify(file))!.seals).toEqual({});
    }
  });

  test('the rendered sealed file is stable: rendering the same seals twice gives the same bytes', () => {
    expect(renderSealedFile(parseSealedFile(first.write!)!.seals)).toBe(first.write);
  });

  test('one key, several environments: each environment gets its own seal, and one never deploys another\'s', async () => {
    const production = resolveSeal({ value, sealedText: first.write, publicKey, environment: 'Production' });
    expect(production.outcome).toBe('sealed');
    const file = parseSealedFile(production.write!)!;
    expect(Object.keys(file.seals).sort()).toEqual([id(publicKey.sha256, 'Production'), id(publicKey.sha256)].sort());
    expect(production.envelope.environment).toBe('Production');
    expect(await open(production.envelope, key, 'Production')).toBe('db-password');
    await expect(open(production.envelope, key, 'Qa')).rejects.toThrow(ForeignEnvironmentError);
    // Each synthesizes repeatably from the one file; QA's checkout without the plain file still gets QA's seal.
    expect(resolveSeal({ sealedText: production.write, publicKey, environment: 'Qa' })).toEqual({ envelope: first.envelope, outcome: 'sealed-file-only' });
    expect(resolveSeal({ sealedText: production.write, publicKey, environment: 'Production' })).toEqual({ envelope: production.envelope, outcome: 'sealed-file-only' });
  });

  test('without the plain file, an environment with no seal of its own is an error naming the environments that have one, and the fix', () => {
    try {
      resolveSeal({ sealedText: first.write, publicKey, environment: 'Qa-feature-x-0123456789abcdef' });
      throw new Error('expected an error');
    } catch (e) {
      expect((e as SealError).message).toMatch(/no seal for environment 'Qa-feature-x-0123456789abcdef' with this key \(it has this key's seals for 'Qa'\)/);
      expect((e as SealError).fix).toMatch(/synth once to seal it for 'Qa-feature-x-0123456789abcdef'.*give them the same sealingKey.environment/);
    }
  });

  test('a sealed file from before environments were bound (v1): refused without the plain file, replaced with it', async () => {
    const legacy = JSON.stringify({
      format: 'cdk-container-fleet/sealed-file/v1',
      note: '',
      seals: { [publicKey.sha256]: { digest: 'scrypt:17:8:1:AAAA:AAAA', envelope: { ...first.envelope, format: LEGACY_SEALED_SECRET_FORMAT, environment: undefined } } },
    });
    try {
      resolveSeal({ sealedText: legacy, publicKey, environment: ENV });
      throw new Error('expected an error');
    } catch (e) {
      expect((e as SealError).message).toMatch(/written by an earlier cdk-container-fleet \(sealed-file v1\), whose seals are not bound to an environment/);
      expect((e as SealError).fix).toMatch(/put the plain secret file beside it and synth once to seal it for environment 'Qa', then commit/);
    }
    const replaced = resolveSeal({ value, sealedText: legacy, publicKey, environment: ENV });
    expect(replaced).toMatchObject({ outcome: 'resealed', reason: expect.stringMatching(/before seals were bound to an environment/) });
    expect(Object.keys(parseSealedFile(replaced.write!)!.seals)).toEqual([id(publicKey.sha256)]);
    expect(await open(replaced.envelope)).toBe('db-password');
  });

  test('an environment name the seal id or AAD could not carry is refused', () => {
    for (const bad of ['', 'a:b', 'Qa branch', '-x', 'x'.repeat(129)]) {
      expect(() => resolveSeal({ value, publicKey, environment: bad })).toThrow(/is not an environment name/);
    }
    expect(() => resolveSeal({ value, publicKey, environment: 'x'.repeat(128) })).not.toThrow();
  });
});

describe('environment binding (issue 19)', () => {
  const value = Buffer.from('production-db-password');

  test('a value sealed for production is refused in QA before the key is unwrapped, even with the same key', async () => {
    const envelope = sealValue(value, publicKey, 'Production');
    const unwrap = jest.fn(async (w: Uint8Array) => key.decrypt(w));
    await expect(openEnvelope(envelope, 'Qa', unwrap)).rejects.toThrow(/sealed for environment 'Production', and this is environment 'Qa'/);
    expect(unwrap).not.toHaveBeenCalled();
    await expect(openEnvelope(envelope, 'Production', unwrap)).resolves.toBe(value.toString());
  });

  test('relabelling a production envelope as QA\'s does not open it: the environment is authenticated', async () => {
    const envelope = sealValue(value, publicKey, 'Production');
    await expect(open({ ...envelope, environment: 'Qa' }, key, 'Qa')).rejects.toThrow(/fails authentication for environment 'Qa'/);
  });

  test('any two different environments: a seal for one never opens in the other (property)', async () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
    await fc.assert(fc.asyncProperty(name, name, async (a, b) => {
      fc.pre(a !== b);
      const envelope = sealValue(Buffer.from('v'), publicKey, a);
      await expect(open({ ...envelope, environment: b }, key, b)).rejects.toThrow(UnreadableEnvelopeError);
      await expect(open(envelope, key, b)).rejects.toThrow(ForeignEnvironmentError);
      expect(await open(envelope, key, a)).toBe('v');
    }), { numRuns: 25 });
  });

  test('an envelope from before environments were bound (v1) is refused with the fix', () => {
    const legacy = { ...sealValue(value, publicKey, ENV), format: LEGACY_SEALED_SECRET_FORMAT };
    try {
      parseEnvelope(Buffer.from(JSON.stringify(legacy)));
      throw new Error('expected an error');
    } catch (e) {
      expect((e as UnreadableEnvelopeError).message).toMatch(/sealed by an earlier cdk-container-fleet .*before sealed values were bound to an environment/);
      expect((e as UnreadableEnvelopeError).fix).toMatch(/put the plain secret file beside its .sealed.json and synth/);
    }
    const { environment: _, ...unbound } = sealValue(value, publicKey, ENV);
    expect(() => parseEnvelope(Buffer.from(JSON.stringify(unbound)))).toThrow(/has no environment/);
  });
});

// SealOutcome replaced a string-literal union for jsii: its values are the old literals.
describe('SealOutcome keeps the values of the string literals it replaced', () => {
  test('values', () => {
    expect(Object.entries(SealOutcome)).toEqual([['REUSED', 'reused'], ['SEALED', 'sealed'], ['RESEALED', 'resealed'], ['SEALED_FILE_ONLY', 'sealed-file-only']]);
  });
});
