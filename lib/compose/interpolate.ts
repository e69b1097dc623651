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

import { formatCount, MAX_COMPOSE_CHARS, MAX_INTERPOLATION_DEPTH, quoteForMessage, shorten } from './limits';

/**
 * Thrown for `${VAR:?message}` with VAR unset, for malformed expressions such as `${VAR` or `${}`, and past the
 * limits (nesting depth, result length).
 */
export class InterpolationError extends Error {
  constructor(message: string, public readonly variable?: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

/** Looks up a variable: `undefined` means unset. */
export type VariableLookup = (name: string) => string | undefined;

/** Limits of one {@link interpolate} call; the defaults are the documented compose limits. */
export interface InterpolationLimits {
  /** Deepest nesting of `${...}` in a default, message or replacement. */
  readonly maxDepth?: number;
  /** Longest result, in characters. */
  readonly maxLength?: number;
}

/** A variable name, matched at `lastIndex` (sticky), so no copy of the rest of the text is made per `$`. */
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

interface State {
  readonly text: string;
  readonly lookup: VariableLookup;
  readonly onUnset: (name: string) => void;
  readonly maxDepth: number;
  readonly maxLength: number;
}

/**
 * Interpolates `text`. `onUnset` is called once per reference to an unset variable that has no default
 * (Compose substitutes '' and warns). Nesting deeper than `limits.maxDepth` and a result longer than
 * `limits.maxLength` are InterpolationErrors, so no input overflows the stack or grows without bound;
 * the time taken is linear in the length of `text` times the nesting depth.
 */
export function interpolate(text: string, lookup: VariableLookup, onUnset: (name: string) => void = () => {}, limits: InterpolationLimits = {}): string {
  const state: State = { text, lookup, onUnset, maxDepth: limits.maxDepth ?? MAX_INTERPOLATION_DEPTH, maxLength: limits.maxLength ?? MAX_COMPOSE_CHARS };
  if (!text.includes('$')) return append(state, '', text);
  const [out, end] = parse(state, 0, 0, false);
  if (end !== text.length) throw new InterpolationError(`unexpected '}' at offset ${end} in ${quoteForMessage(text)}`);
  return out;
}

/** `out + piece`, or an InterpolationError when that is longer than allowed. */
function append(state: State, out: string, piece: string): string {
  if (out.length + piece.length > state.maxLength) {
    throw new InterpolationError(`the value is longer than the ${formatCount(state.maxLength)} characters allowed after variable substitution`);
  }
  return out + piece;
}

/**
 * Parses from `start` until the end of the text or, when `nested`, until the `}` that closes the
 * enclosing `${...}` (at nesting `depth`); returns the result and the offset where parsing stopped (at the `}`).
 */
function parse(state: State, start: number, depth: number, nested: boolean): [string, number] {
  const { text } = state;
  let out = '';
  let i = start;
  // Where the next '$' and '}' are (text.length when there is none), found again only once passed, so that
  // the text is scanned once however many '$' it holds.
  let nextDollar = -1;
  let nextClose = -1;
  while (i < text.length) {
    if (nextDollar < i) nextDollar = indexOrEnd(text, '$', i);
    if (nested && nextClose < i) nextClose = indexOrEnd(text, '}', i);
    // Copy the literal run up to the next '$' (or '}' when nested) in one piece.
    const stop = nested ? Math.min(nextDollar, nextClose) : nextDollar;
    if (stop > i) {
      out = append(state, out, text.slice(i, stop));
      i = stop;
      continue;
    }
    if (nested && text[i] === '}') return [out, i];
    const next = text[i + 1];
    if (next === '$') {
      out = append(state, out, '$');
      i += 2;
    } else if (next === '{') {
      const [value, end] = braced(state, i + 2, depth + 1);
      out = append(state, out, value);
      i = end + 1;
    } else {
      NAME.lastIndex = i + 1;
      const name = NAME.exec(text)?.[0];
      if (name) {
        const value = state.lookup(name);
        if (value === undefined) state.onUnset(name);
        out = append(state, out, value ?? '');
        i += 1 + name.length;
      } else {
        // A lone '$' (e.g. at the end, or before a digit) is kept literally, as Compose does.
        out = append(state, out, '$');
        i++;
      }
    }
  }
  if (nested) throw new InterpolationError(`'\${' is never closed in ${quoteForMessage(text)}`);
  return [out, i];
}

function indexOrEnd(text: string, c: string, from: number): number {
  const at = text.indexOf(c, from);
  return at < 0 ? text.length : at;
}

/**
 * Parses the inside of `${...}` (at nesting `depth`, 1 for the outermost) starting after `${`; returns the value
 * and the offset of the closing `}`.
 */
function braced(state: State, start: number, depth: number): [string, number] {
  const { text } = state;
  NAME.lastIndex = start;
  const name = NAME.exec(text)?.[0];
  if (!name) {
    throw new InterpolationError(`invalid interpolation format in ${quoteForMessage(text)}: '\${' must be followed by a variable name`);
  }
  let i = start + name.length;
  const value = state.lookup(name);
  if (text[i] === '}') {
    if (value === undefined) state.onUnset(name);
    return [value ?? '', i];
  }
  const colon = text[i] === ':';
  if (colon) i++;
  const op = text[i];
  if (op !== '-' && op !== '?' && op !== '+') {
    throw new InterpolationError(`invalid interpolation format for '${name}' in ${quoteForMessage(text)}: use \${${name}}, \${${name}:-default}, \${${name}:?error} or \${${name}:+replacement}`);
  }
  // Like Compose, the argument is only evaluated when used, so `${A:-${B:?x}}` does not fail when A is set.
  // closingBrace also measures the nesting of the whole argument, used or not, before anything recurses into it.
  const end = closingBrace(state, i + 1, depth);
  const argument = () => parse(state, i + 1, depth, true)[0];
  const missing = colon ? value === undefined || value === '' : value === undefined;
  switch (op) {
    case '-':
      return [missing ? argument() : value!, end];
    case '+':
      return [missing ? '' : argument(), end];
    default: {
      if (!missing) return [value!, end];
      const message = argument();
      throw new InterpolationError(`required variable ${name} is ${value === undefined ? 'not set' : 'empty'}${message ? `: ${shorten(message, 200)}` : ''}`, name);
    }
  }
}

/**
 * Offset of the `}` closing the expression (at nesting `depth`) whose argument starts at `start`, skipping nested
 * `${...}` and `$$`; an InterpolationError when the nesting goes deeper than allowed.
 */
function closingBrace(state: State, start: number, depth: number): number {
  const { text } = state;
  if (depth > state.maxDepth) throw nestingError(state);
  let nesting = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') {
      i++;
    } else if (text[i] === '$' && text[i + 1] === '{') {
      nesting++;
      if (depth + nesting > state.maxDepth) throw nestingError(state);
      i++;
    } else if (text[i] === '}') {
      if (nesting === 0) return i;
      nesting--;
    }
  }
  throw new InterpolationError(`'\${' is never closed in ${quoteForMessage(text)}`);
}

function nestingError(state: State): InterpolationError {
  return new InterpolationError(`\${...} expressions are nested more than ${state.maxDepth} levels deep in ${quoteForMessage(state.text)}`);
}
