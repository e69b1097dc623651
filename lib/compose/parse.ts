import { ComposeFileError } from './load';
import { checkTextSize, ComposeLimitError, MAX_ENV_FILE_BYTES, positionAt } from './limits';

/**
 * Small parsers for the string forms of compose values: durations, byte sizes, port specs,
 * shell-style command strings, KEY=VALUE lists and env files. Pure functions, no CDK.
 */

/** A compose duration (`1m30s`, `10s`, `500ms`, `1h`, `2.5s`) in seconds, or undefined when malformed. */
export function parseDurationSeconds(value: string | number): number | undefined {
  if (typeof value === 'number') return value;
  const text = value.trim();
  if (text === '') return undefined;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    const n = Number(match[1]);
    total += n * ({ h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 } as Record<string, number>)[match[2]];
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** A compose byte size (`1.5G`, `512m`, `1024k`, `1gb`, a number of bytes) in MiB, rounded down, or undefined when malformed. */
export function parseSizeMiB(value: string | number): number | undefined {
  if (typeof value === 'number') return Math.floor(value / 1024 / 1024);
  // Trimmed first, with at most one space inside (as Docker's go-units reads `512 m`): /^\s*(\d+)\s*([bkmgt]?)b?\s*$/
  // backtracked quadratically over a long run of spaces that did not end the value (`1<60,000 spaces>x` took 6.7 s).
  const match = /^(\d+(?:\.\d+)?) ?([bkmgt]?)b?$/i.exec(String(value).trim());
  if (!match) return undefined;
  const factor = ({ '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as Record<string, number>)[match[2].toLowerCase()];
  return Math.floor((Number(match[1]) * factor) / 1024 / 1024);
}

/** One container port from a `ports` or `expose` entry. */
export interface PortSpec {
  readonly containerPort: number;
  readonly protocol: 'tcp' | 'udp';
  /** The host port it is published on locally, when one is given. */
  readonly published?: string;
}

/**
 * Parses the short port syntax `[HOST_IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTOCOL]`
 * (and a bare number). Throws an Error with a readable message when malformed.
 */
export function parsePortShort(value: string | number): PortSpec[] {
  let text = String(value).trim();
  let protocol = 'tcp';
  const slash = text.lastIndexOf('/');
  if (slash >= 0) {
    protocol = text.slice(slash + 1).toLowerCase();
    text = text.slice(0, slash);
  }
  if (protocol !== 'tcp' && protocol !== 'udp') throw new Error(`port '${value}': protocol '${protocol}' is not tcp or udp`);
  // Strip a host IP, including bracketed IPv6 ([::1]:8080:80).
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) throw new Error(`port '${value}' is malformed`);
    text = text.slice(close + 2);
  }
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((p, i) => p === '' && i === parts.length - 1)) throw new Error(`port '${value}' is malformed`);
  const containerPart = parts[parts.length - 1];
  const hostPart = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const containers = parseRange(containerPart, value);
  return containers.map((containerPort, i) => {
    let published: string | undefined;
    if (hostPart) {
      const hosts = hostPart.includes('-') ? parseRange(hostPart, value) : undefined;
      published = hosts ? String(hosts[i] ?? hosts[0]) : hostPart;
    }
    return { containerPort, protocol: protocol as 'tcp' | 'udp', published };
  });
}

/** Most container ports one range may expand to: each becomes a port mapping, and ECS allows 100 per container. */
const MAX_RANGE = 100;

function parseRange(text: string, original: string | number): number[] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) throw new Error(`port '${original}': '${text}' is not a port or port range`);
  const from = Number(match[1]);
  const to = match[2] !== undefined ? Number(match[2]) : from;
  if (from < 1 || to > 65535 || to < from) throw new Error(`port '${original}': ${text} is not within 1-65535`);
  if (to - from + 1 > MAX_RANGE) throw new Error(`port '${original}': the range holds ${to - from + 1} ports, more than the ${MAX_RANGE} ECS allows per container`);
  const ports: number[] = [];
  for (let p = from; p <= to; p++) ports.push(p);
  return ports;
}

/**
 * Splits a command string the way Compose does (POSIX shell word splitting with quotes and backslashes,
 * no expansion): `bash -c "echo 'a b'"` → [`bash`, `-c`, `echo 'a b'`]. Throws on an unclosed quote.
 */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unclosed single quote in '${text}'`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '\\"$`\n'.includes(text[j + 1])) {
          j++;
        }
        word += text[j];
      }
      if (j >= text.length) throw new Error(`unclosed double quote in '${text}'`);
      inWord = true;
      i = j;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** A `list_or_dict` value (`[K=V, K]` or `{K: V}`) as entries; `null`/missing values stay undefined. */
export function listOrDictEntries(value: unknown, separator = '='): Array<[string, string | undefined]> {
  if (Array.isArray(value)) {
    return value.map((item) => {
      const s = String(item);
      const at = s.indexOf(separator);
      return at < 0 ? [s, undefined] : [s.slice(0, at), s.slice(at + 1)];
    });
  }
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, v === null || v === undefined ? undefined : String(v)]);
  }
  return [];
}

/**
 * Parses an env file as Compose does: `KEY=VALUE` lines, `export ` prefixes, `#` comments, single quotes
 * (literal), double quotes (with `\n`, `\t`, `\\` and `\"` escapes) and ` #` comments after unquoted values.
 * A line `KEY` alone takes the value from `lookup`. A file larger than {@link MAX_ENV_FILE_BYTES} is a
 * {@link ComposeFileError} naming `file` at the line where the limit is crossed. Linear in the size of `text`.
 */
export function parseEnvFile(text: string, lookup: (name: string) => string | undefined = () => undefined, file = 'env file'): Record<string, string> {
  try {
    checkTextSize(text, MAX_ENV_FILE_BYTES, `the env file`);
  } catch (e) {
    if (e instanceof ComposeLimitError) throw new ComposeFileError(file, positionAt(text, e.offset), e.problem, 'keep env files to the variables the services need');
    throw e;
  }
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) {
      const value = lookup(line);
      if (value !== undefined) out[line] = value;
      continue;
    }
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.startsWith("'") && value.indexOf("'", 1) > 0) {
      value = value.slice(1, value.indexOf("'", 1));
    } else if (value.startsWith('"') && value.lastIndexOf('"') > 0) {
      value = value.slice(1, value.lastIndexOf('"'))
        .replace(/\\(.)/g, (_, ch: string) => ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[ch] ?? ch);
    } else {
      // Not /\s+#.*$/, which backtracks quadratically over a long run of spaces without a '#'.
      const comment = value.search(/\s#/);
      if (comment >= 0) value = value.slice(0, comment).trimEnd();
    }
    out[key] = value;
  }
  return out;
}
