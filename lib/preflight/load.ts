import * as fs from 'fs';
import * as path from 'path';
import { PreflightTemplate } from './template-set';

/** Where to read one template and what is known about its stack. */
export interface TemplateSource extends Omit<PreflightTemplate, 'template' | 'templateFile'> {
  /** Absolute path of the template file. */
  readonly templatePath: string;
}

/** Reads templates from the cloud assembly; the template file name (without directory) identifies each. */
export function loadTemplates(sources: readonly TemplateSource[]): PreflightTemplate[] {
  return sources.map(({ templatePath, ...rest }) => ({
    ...rest,
    templateFile: path.basename(templatePath),
    template: JSON.parse(fs.readFileSync(templatePath, 'utf8')),
  }));
}
