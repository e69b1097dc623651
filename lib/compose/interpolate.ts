/**
 * Variable interpolation of the Compose Specification ("Interpolation" section), as Docker Compose
 * applies it to every string value of a compose file before it reads the file:
 *
 * - `$VAR` and `${VAR}`: the value, or '' when unset (Compose warns; so do we, through `onUnset`);
 * - `${VAR:-default}` / `${VAR-default}`: `default` when unset or empty / only when unset;
 * - `${VAR:?message}` / `${VAR?message}`: an error with `message` when unset or empty / only when unset;
 * - `${VAR:+replacement}` / `${VAR+replacement}`: `replacement` when set and non-empty / when set, else '';
 * - `$$`: a literal `$` (so `$$(cat /run/secrets/x)` reaches the container as `$(cat /run/secrets/x)`).
 *
 * Defaults, messages and replacements may themselves contain interpolations (`${A:-${B}}`), as in Compose.
 * Pure: no CDK, no I/O.
 */

/** Thrown for `${VAR:?message}` with VAR unset, and for malformed expressions such as `${VAR` or `${}`. */
export class InterpolationError extends Error {
  constructor(message: string, public readonly variable?: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

/** Looks up a variable: `undefined` means unset. */
export type VariableLookup = (name: string) => string | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Interpolates `text`. `onUnset` is called once per reference to an unset variable that has no default
 * (Compose substitutes '' and warns).
 */
export function interpolate(text: string, lookup: VariableLookup, onUnset: (name: string) => void = () => {}): string {
  if (!text.includes('$')) return text;
  const [out, end] = parse(text, 0, lookup, onUnset, false);
  if (end !== text.length) throw new InterpolationError(`unexpected '}' at offset ${end} in '${text}'`);
  return out;
}

/**
 * Parses from `start` until the end of `text` or, when `nested`, until the `}` that closes the
 * enclosing `${...}`; returns the result and the offset where parsing stopped (at the `}`).
 */
function parse(text: string, start: number, lookup: VariableLookup, onUnset: (name: string) => void, nested: boolean): [string, number] {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (nested && c === '}') return [out, i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const [value, end] = braced(text, i + 2, lookup, onUnset);
      out += value;
      i = end + 1;
    } else {
      const name = NAME.exec(text.slice(i + 1))?.[0];
      if (name) {
        const value = lookup(name);
        if (value === undefined) onUnset(name);
        out += value ?? '';
        i += 1 + name.length;
      } else {
        // A lone '$' (e.g. at the end, or before a digit) is kept literally, as Compose does.
        out += '$';
        i++;
      }
    }
  }
  if (nested) throw new InterpolationError(`'\${' is never closed in '${text}'`);
  return [out, i];
}

/** Parses the inside of `${...}` starting after `${`; returns the value and the offset of the closing `}`. */
function braced(text: string, start: number, lookup: VariableLookup, onUnset: (name: string) => void): [string, number] {
  const name = NAME.exec(text.slice(start))?.[0];
  if (!name) {
    throw new InterpolationError(`invalid interpolation format in '${text}': '\${' must be followed by a variable name`);
  }
  let i = start + name.length;
  const value = lookup(name);
  if (text[i] === '}') {
    if (value === undefined) onUnset(name);
    return [value ?? '', i];
  }
  const colon = text[i] === ':';
  if (colon) i++;
  const op = text[i];
  if (op !== '-' && op !== '?' && op !== '+') {
    throw new InterpolationError(`invalid interpolation format for '${name}' in '${text}': use \${${name}}, \${${name}:-default}, \${${name}:?error} or \${${name}:+replacement}`);
  }
  // Like Compose, the argument is only evaluated when used, so `${A:-${B:?x}}` does not fail when A is set.
  const end = closingBrace(text, i + 1);
  const argument = () => parse(text, i + 1, lookup, onUnset, true)[0];
  const missing = colon ? value === undefined || value === '' : value === undefined;
  switch (op) {
    case '-':
      return [missing ? argument() : value!, end];
    case '+':
      return [missing ? '' : argument(), end];
    default: {
      if (!missing) return [value!, end];
      const message = argument();
      throw new InterpolationError(`required variable ${name} is ${value === undefined ? 'not set' : 'empty'}${message ? `: ${message}` : ''}`, name);
    }
  }
}

/** Offset of the `}` closing the expression whose argument starts at `start`, skipping nested `${...}` and `$$`. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') {
      i++;
    } else if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  throw new InterpolationError(`'\${' is never closed in '${text}'`);
}
