import { MAX_ENV_FILE_BYTES } from '../../lib/compose/limits';
import { ComposeFileError } from '../../lib/compose/load';
import { listOrDictEntries, parseDurationSeconds, parseEnvFile, parsePortShort, parseSizeMiB, shellSplit } from '../../lib/compose/parse';

describe('parseDurationSeconds', () => {
  test.each([['10s', 10], ['1m30s', 90], ['1h', 3600], ['500ms', 0.5], ['2.5s', 2.5], [15, 15]] as const)('%s → %s', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBeCloseTo(seconds);
  });
  test.each(['', '10', 'ten seconds', '1m 30s'])('%s is not a duration', (text) => {
    expect(parseDurationSeconds(text)).toBeUndefined();
  });
});

describe('parseSizeMiB', () => {
  test.each([['1.5G', 1536], ['512m', 512], ['256M', 256], ['1gb', 1024], ['1048576', 1], [536870912, 512], ['2048k', 2]] as const)('%s → %s MiB', (text, mib) => {
    expect(parseSizeMiB(text)).toBe(mib);
  });
  test('malformed sizes are undefined', () => {
    expect(parseSizeMiB('lots')).toBeUndefined();
    expect(parseSizeMiB('1  g')).toBeUndefined();
  });
  test('white space around the value and one space before the unit are fine (Docker reads `512 m`)', () => {
    expect(parseSizeMiB('  512 m \n')).toBe(512);
  });
  // Review r1: the old pattern backtracked over `\s*…\s*$`; these inputs took seconds. The outcome is asserted, not the time.
  test.each([
    ['1<spaces>x', `1${' '.repeat(100_000)}x`, undefined],
    ['<spaces>1<spaces>', `${' '.repeat(100_000)}1${' '.repeat(100_000)}`, 0],
    ['1<spaces>m<spaces>x', `1 m${' '.repeat(100_000)}x`, undefined],
  ])('a value of 100,000 spaces (%s) gives its outcome', (_, text, mib) => {
    expect(parseSizeMiB(text)).toBe(mib);
  });
});

describe('parsePortShort', () => {
  test('container only, host:container, ip:host:container, protocols', () => {
    expect(parsePortShort(3000)).toEqual([{ containerPort: 3000, protocol: 'tcp', published: undefined }]);
    expect(parsePortShort('81:5000')).toEqual([{ containerPort: 5000, protocol: 'tcp', published: '81' }]);
    expect(parsePortShort('127.0.0.1:8080:80/udp')).toEqual([{ containerPort: 80, protocol: 'udp', published: '8080' }]);
    expect(parsePortShort('[::1]:8080:80')).toEqual([{ containerPort: 80, protocol: 'tcp', published: '8080' }]);
  });
  test('ranges expand, host and container side by side', () => {
    expect(parsePortShort('9090-9091:8080-8081')).toEqual([
      { containerPort: 8080, protocol: 'tcp', published: '9090' },
      { containerPort: 8081, protocol: 'tcp', published: '9091' },
    ]);
  });
  test.each(['80/sctp', 'abc', '0:70000', '1:2:3:4', '1000-2000'])('%s is rejected', (text) => {
    expect(() => parsePortShort(text)).toThrow(/port/);
  });
});

describe('shellSplit', () => {
  test('splits like a POSIX shell without expanding', () => {
    expect(shellSplit('logstash -f /usr/share/logstash/pipeline/x.config')).toEqual(['logstash', '-f', '/usr/share/logstash/pipeline/x.config']);
    expect(shellSplit(`/bin/bash -c "envsubst < /tmp/nginx.conf > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'"`))
      .toEqual(['/bin/bash', '-c', "envsubst < /tmp/nginx.conf > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'"]);
    expect(shellSplit(`a 'b c' "d \\"e\\"" f\\ g ''`)).toEqual(['a', 'b c', 'd "e"', 'f g', '']);
  });
  test('an unclosed quote is an error', () => {
    expect(() => shellSplit('echo "oops')).toThrow(/unclosed double quote/);
  });
});

describe('listOrDictEntries and parseEnvFile', () => {
  test('lists and maps give the same entries; a bare key has no value', () => {
    expect(listOrDictEntries(['A=1', 'B=x=y', 'C'])).toEqual([['A', '1'], ['B', 'x=y'], ['C', undefined]]);
    expect(listOrDictEntries({ A: 1, B: true, C: null })).toEqual([['A', '1'], ['B', 'true'], ['C', undefined]]);
  });
  test('env files: comments, export, quotes, inline comments, bare keys from the lookup', () => {
    const text = '# comment\nexport A=1\nB="two\\nlines"\nC=\'lit $x\'\nD=plain # trailing\nE\n\nF=\n';
    expect(parseEnvFile(text, (n) => (n === 'E' ? 'from-env' : undefined))).toEqual({ A: '1', B: 'two\nlines', C: 'lit $x', D: 'plain', E: 'from-env', F: '' });
  });
  test('an inline comment needs whitespace before the #, and the whitespace before it goes too', () => {
    expect(parseEnvFile('A=a#b\nB=a b  #c # d\nC=a\t#c\n')).toEqual({ A: 'a#b', B: 'a b', C: 'a' });
  });
  test('a value with a long run of spaces and no comment is read in one pass (the old /\\s+#.*$/ backtracked over it)', () => {
    const value = `a${' '.repeat(500_000)}b`;
    expect(parseEnvFile(`A=${value}\n`)).toEqual({ A: value });
  });
  test(`an env file of exactly ${MAX_ENV_FILE_BYTES} bytes is read`, () => {
    const text = `A=1\n#${'x'.repeat(MAX_ENV_FILE_BYTES - 6)}\n`;
    expect(Buffer.byteLength(text)).toBe(MAX_ENV_FILE_BYTES);
    expect(parseEnvFile(text)).toEqual({ A: '1' });
  });
  test('one byte more is a ComposeFileError naming the file, at the line where the limit is crossed', () => {
    const text = `A=1\n#${'x'.repeat(MAX_ENV_FILE_BYTES - 5)}\n`;
    expect(() => parseEnvFile(text, undefined, 'app/.env')).toThrow(ComposeFileError);
    expect(() => parseEnvFile(text, undefined, 'app/.env')).toThrow(`app/.env:2:${MAX_ENV_FILE_BYTES - 4 + 1}: the env file is 1,048,577 bytes, more than the 1,048,576 bytes (1 MiB) allowed; the limit is crossed here`);
  });
});
