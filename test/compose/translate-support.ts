import { serviceContext, ServiceContext } from '../../lib/compose/context';
import { loadCompose } from '../../lib/compose/load';
import { TranslateOptions } from '../../lib/compose/plan';

/** In-memory files (absolute paths under /project): the folders holding them exist. */
export function memoryIo(files: Record<string, string>): TranslateOptions['io'] {
  const dirs = new Set(Object.keys(files).flatMap((f) => f.split('/').slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`)));
  return { readFile: (p) => files[p], isDirectory: (p) => dirs.has(p) };
}

/** The context of the first (or the named) service of a compose text, as the translation builds it. */
export function contextOf(yaml: string, options: { files?: Record<string, string>; name?: string } & Partial<TranslateOptions> = {}): ServiceContext {
  const loaded = loadCompose(yaml, { file: 'compose.yaml', lookup: () => undefined });
  const name = options.name ?? Object.keys(loaded.model.services ?? {})[0];
  return serviceContext(loaded, name, { baseDir: '/project', io: memoryIo(options.files ?? {}), ...options });
}

/** The warning messages of a context, without the `compose.yaml: service <name>: ` prefix. */
export const messages = (ctx: ServiceContext) => ctx.warnings.map((w) => w.message.replace(/^compose\.yaml: service [^:]+: /, ''));
