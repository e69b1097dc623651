import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';

/** The public compose corpus (docker/awesome-compose, CC0), one file per sample. */
export const CORPUS_DIR = path.join(__dirname, '..', 'fixtures', 'compose-corpus', 'awesome-compose');

/** The corpus file names, sorted. */
export function corpusFiles(): string[] {
  return fs.readdirSync(CORPUS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
}

/**
 * Copies a corpus file into a fresh temp folder and creates a stub build context (a one-line Dockerfile,
 * at the path and name the file asks for) for every service that builds: image assets need only the
 * Dockerfile on disk at synth time. Returns the compose file's path in the temp folder.
 */
export function stageCorpusFile(name: string, root = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-corpus-'))): string {
  const dir = path.join(root, name.replace(/\.ya?ml$/, ''));
  fs.mkdirSync(dir, { recursive: true });
  const text = fs.readFileSync(path.join(CORPUS_DIR, name), 'utf8');
  const target = path.join(dir, 'compose.yaml');
  fs.writeFileSync(target, text);
  const model = parse(text) as { services: Record<string, { build?: string | { context?: string; dockerfile?: string } }> };
  for (const svc of Object.values(model.services)) {
    if (svc.build === undefined) continue;
    const spec = typeof svc.build === 'string' ? { context: svc.build } : svc.build;
    const context = path.join(dir, spec.context ?? '.');
    fs.mkdirSync(context, { recursive: true });
    fs.writeFileSync(path.join(context, spec.dockerfile ?? 'Dockerfile'), 'FROM public.ecr.aws/docker/library/busybox:1.37\n');
  }
  return target;
}
