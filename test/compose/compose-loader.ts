import { ComposeFileError, loadCompose } from '../../lib/compose/load';

/** `loadCompose` of `text` as the file `file`, with `vars` for interpolation, and the error it raises. */
export function composeLoader(file: string) {
  const load = (text: string, vars: Record<string, string> = {}) => loadCompose(text, { file, lookup: (n) => vars[n] });
  const errorOf = (text: string, vars: Record<string, string> = {}): ComposeFileError => {
    try {
      load(text, vars);
    } catch (e) {
      if (e instanceof ComposeFileError) return e;
      throw e;
    }
    throw new Error('expected a ComposeFileError');
  };
  return { load, errorOf };
}
