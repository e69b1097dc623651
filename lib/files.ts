import * as fs from 'fs';
import * as path from 'path';

/** Files the constructs read at synth, named in messages as the user would name them. */

/** A path as the user would write it: relative to the working directory when inside it, else absolute. */
export function displayPath(p: string): string {
  const absolute = path.resolve(p);
  const relative = path.relative(process.cwd(), absolute);
  return relative && !relative.startsWith('..') ? relative : absolute;
}

/** The content of `p` when it is a file; undefined when it is missing or a folder. */
export function readFileIfExists(p: string): Buffer | undefined {
  return fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p) : undefined;
}
