import * as fs from 'fs';
import { displayPath } from '../files';
import { MAX_ENV_FILE_BYTES } from './limits';
import type { ITranslateIo } from './plan';

/**
 * Reading the files a compose project names, as untrusted input: only regular files, and never more than a cap.
 * A name can lead to `/dev/zero` or a FIFO (through a link the policy has not judged yet, or one checked out by a
 * branch), which `readFileSync` would read until memory runs out or wait on for ever; a regular file of gigabytes
 * would be read whole before any size check. So the file is opened without blocking, judged by `fstat` on that
 * descriptor (what is read is what was judged) and read only when it fits.
 */

/** A file of the project that the import refuses to read; the caller names the construct and the compose file. */
export class ProjectFileError extends Error {
  constructor(public readonly problem: string, public readonly fix: string) {
    super(problem);
    this.name = 'ProjectFileError';
  }
}

/**
 * The content of `file`, or undefined when it does not exist or is a folder. Throws a {@link ProjectFileError} when
 * it is anything but a regular file (a device, a FIFO, a socket), or larger than `maxBytes`.
 */
export function readProjectFile(file: string, maxBytes: number, display: string = file): Buffer | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait for one.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw e;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) return undefined;
    if (!stat.isFile()) {
      throw new ProjectFileError(`${display} is not a regular file (a device, FIFO or socket), so it is not read`, 'replace it by a regular file of the project');
    }
    if (stat.size > maxBytes) {
      throw new ProjectFileError(`${display} is ${stat.size.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} read from one file of a compose project`,
        'shorten the file (docs/compose.md, "Size and depth limits")');
    }
    // Read to the size judged, plus one byte to notice a file that grew meanwhile.
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > stat.size) throw new ProjectFileError(`${display} grew while it was read`, 'synthesize again once nothing writes to the file');
    }
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The translation's file access on this machine, as a ComposeProject reads: only regular files (never a FIFO or a
 * device), at most 1 MiB each.
 */
export function projectFileIo(): ITranslateIo {
  return {
    readFile: (p) => readProjectFile(p, MAX_ENV_FILE_BYTES, displayPath(p))?.toString('utf8'),
    isDirectory: (p) => fs.existsSync(p) && fs.statSync(p).isDirectory(),
  };
}
