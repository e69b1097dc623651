/**
 * Pure rules for Docker Swarm node groups: which names make valid engine labels and environment variables, how a
 * group's settings become `docker.*` tags, and how the generated user data is put together. No CDK imports, so
 * these are tested directly.
 */

/**
 * An engine label name (what follows `docker.` in a tag, and `engine.labels.` in a placement constraint):
 * lowercase letters and digits, separated by single dots or hyphens, as Docker recommends for label keys.
 */
export const LABEL_NAME = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;
/** A shell identifier, usable as an environment variable name in the environment file and in `docker run -e`. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Tag key characters that instance metadata can serve (EC2 user guide, "instance tags in instance metadata"), minus space. */
export const TAG_KEY = /^[A-Za-z0-9+\-=._:@]{1,128}$/;
/** Tag value characters EC2 accepts (letters, digits, white space, and `_ . : / = + - @`), up to 256. */
export const TAG_VALUE = /^[\p{L}\p{N}\p{Zs}_.:/=+\-@]{0,256}$/u;
/** Labels the boot script sets itself; a tag may not set them. */
export const RESERVED_LABEL_PREFIX = 'fleet.';
/** Prefix of the tags that become engine labels. */
export const LABEL_TAG_PREFIX = 'docker.';

/** Problem with an engine label name, or undefined when it is valid. */
export function labelNameProblem(name: string): string | undefined {
  if (!LABEL_NAME.test(name)) {
    return `label name '${name}' is not valid (tag '${LABEL_TAG_PREFIX}${name}')`;
  }
  if (name.startsWith(RESERVED_LABEL_PREFIX)) {
    return `label name '${name}' is reserved: the boot script sets '${RESERVED_LABEL_PREFIX}*' labels itself`;
  }
  if (LABEL_TAG_PREFIX.length + name.length > 128) {
    return `label name '${name}' is too long for a tag key (128 characters with '${LABEL_TAG_PREFIX}')`;
  }
  return undefined;
}

/** Problem with a label or tag value, or undefined when it is valid. */
export function tagValueProblem(name: string, value: string): string | undefined {
  return TAG_VALUE.test(value)
    ? undefined
    : `value '${value}' of '${name}' is not a valid tag value (up to 256 letters, digits, spaces and _ . : / = + - @)`;
}

/** Problem with an exported tag and its variable name, or undefined when both are valid. */
export function exportProblem(tagKey: string, variable: string): string | undefined {
  if (!TAG_KEY.test(tagKey) || tagKey.toLowerCase().startsWith('aws:')) {
    return `exported tag key '${tagKey}' is not a tag key instance metadata can serve`;
  }
  if (!ENV_NAME.test(variable)) {
    return `exported variable name '${variable}' (from tag '${tagKey}') is not a valid shell identifier`;
  }
  return undefined;
}

/** The settings of a node that become engine labels. */
export interface NodeLabelInput {
  readonly role: string;
  readonly environment?: string;
  readonly labels?: Record<string, string>;
}

/**
 * The engine labels of a node group, by label name, and the problems found. `role` and `environment` are labels
 * like any other; setting them twice (as a prop and in `labels`) is a problem.
 */
export function nodeLabels(input: NodeLabelInput): { labels: Record<string, string>; problems: string[] } {
  const labels: Record<string, string> = { role: input.role };
  if (input.environment !== undefined) labels.environment = input.environment;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(input.labels ?? {})) {
    if (name in labels) {
      problems.push(`label '${name}' is set twice: as a prop and in labels`);
      continue;
    }
    labels[name] = value;
  }
  for (const [name, value] of Object.entries(labels)) {
    const problem = labelNameProblem(name) ?? tagValueProblem(name, value);
    if (problem) problems.push(problem);
  }
  return { labels, problems };
}

/** A canonical string of a label set: two node groups with the same one cannot be told apart by any constraint. */
export function labelSetKey(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

/** Quotes a value for a POSIX shell (single quotes, embedded ones closed and escaped). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One script to install on the instance. */
export interface InstalledScript {
  /** Absolute path on the instance. */
  readonly path: string;
  /** The script's text. */
  readonly content: string;
}

/** The heredoc delimiter of the installed scripts; a script containing it as a line could not be embedded. */
export const HEREDOC_END = '__SWARM_SCRIPT_END__';

/**
 * The user data: a small generated header of exported variables, the scripts written to disk as they are in the
 * repository (quoted heredocs: nothing in them is expanded), then the entry script. Values are never templated
 * into the scripts themselves, so what runs on the instance is exactly what the tests ran.
 */
export function renderUserData(env: Record<string, string>, scripts: InstalledScript[], entry: string): string {
  const lines = [
    '#!/bin/bash',
    '# Generated by cdk-container-fleet (lib/swarm): settings of this node, then the boot scripts.',
    'set -euo pipefail',
    ...Object.entries(env).map(([k, v]) => {
      if (!ENV_NAME.test(k)) throw new Error(`not a shell identifier: ${k}`);
      return `export ${k}=${shellQuote(v)}`;
    }),
  ];
  for (const script of scripts) lines.push(...installLines(script));
  lines.push(`exec ${entry}`);
  return `${lines.join('\n')}\n`;
}

/** Shell lines that write a script to its path, byte for byte (quoted heredoc: nothing in it is expanded). */
export function installLines(script: InstalledScript): string[] {
  if (script.content.split('\n').includes(HEREDOC_END)) throw new Error(`${script.path} contains the line ${HEREDOC_END}`);
  const dir = script.path.slice(0, script.path.lastIndexOf('/'));
  return [
    `install -d -m 0755 ${dir}`,
    `cat >${script.path} <<'${HEREDOC_END}'`,
    script.content.replace(/\n$/, ''),
    HEREDOC_END,
    `chmod 0755 ${script.path}`,
  ];
}

/**
 * The commands of the swarm's SSM document: install swarm-ctl (so the manager always runs the version of this
 * deployment, without replacing instances) and run it with the given settings. SSM substitutes `{{ name }}`
 * anywhere in the content, so the script itself must not contain `{{`.
 */
export function swarmCtlCommands(script: InstalledScript, env: Record<string, string>): string[] {
  if (script.content.includes('{{')) throw new Error(`${script.path} contains '{{', which SSM would take for a document parameter`);
  const settings = Object.entries(env).map(([k, v]) => {
    if (!ENV_NAME.test(k)) throw new Error(`not a shell identifier: ${k}`);
    return `${k}=${shellQuote(v)}`;
  });
  return [
    ...installLines(script),
    `${[...settings, script.path].join(' ')} {{ action }} {{ target }}`,
  ];
}
