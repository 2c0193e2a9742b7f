import fs from 'node:fs';
import os from 'node:os';

/**
 * The GitHub Actions runner protocol (workflow commands, environment files and the job summary
 * file), with no dependencies. It writes the same bytes as @actions/core (a test compares the
 * two), without loading @actions/core's HTTP client, which costs cold start on every run.
 */

export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** Formats `::name key=value::message`, escaped as the runner expects; empty properties (0 too) are left out. */
export function formatCommand(name: string, properties: Record<string, unknown>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, v]) => Boolean(v))
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

function issue(name: string, properties: Record<string, unknown>, message: string): void {
  process.stdout.write(formatCommand(name, properties, message) + os.EOL);
}

/**
 * A fresh heredoc delimiter in @actions/core's form (`ghadelimiter_<uuid v4>`). It must not occur in
 * the value (keyValueMessage refuses one that does), not be secret, so Math.random serves: loading
 * node:crypto for it would cost every step's cold start.
 */
export function heredocDelimiter(random: () => number = Math.random): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `ghadelimiter_${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}

/** `name<<delimiter\nvalue\ndelimiter`, as appended to $GITHUB_OUTPUT and $GITHUB_STATE. */
export function keyValueMessage(name: string, value: string, delimiter = heredocDelimiter()): string {
  if (name.includes(delimiter) || value.includes(delimiter))
    throw new Error(`unexpected delimiter in ${name}`);
  return `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}`;
}

/** The environment variable the runner sets for an input: INPUT_<NAME>, spaces as underscores. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

function fileCommand(envName: string, name: string, value: string): boolean {
  const file = process.env[envName];
  if (!file) return false;
  fs.appendFileSync(file, keyValueMessage(name, value) + os.EOL, { encoding: 'utf8' });
  return true;
}

const toProps = (p: AnnotationProperties = {}) => ({
  title: p.title,
  file: p.file,
  line: p.startLine,
  endLine: p.endLine,
  col: p.startColumn,
  endColumn: p.endColumn,
});

export const runner = {
  setOutput(name: string, value: string): void {
    if (!fileCommand('GITHUB_OUTPUT', name, value)) {
      process.stdout.write(os.EOL);
      issue('set-output', { name }, value);
    }
  },
  saveState(name: string, value: string): void {
    if (!fileCommand('GITHUB_STATE', name, value)) issue('save-state', { name }, value);
  },
  getState(name: string): string {
    return process.env[`STATE_${name}`] ?? '';
  },
  setSecret(secret: string): void {
    issue('add-mask', {}, secret);
  },
  debug(message: string): void {
    issue('debug', {}, message);
  },
  info(message: string): void {
    process.stdout.write(message + os.EOL);
  },
  notice(message: string, props?: AnnotationProperties): void {
    issue('notice', toProps(props), message);
  },
  warning(message: string, props?: AnnotationProperties): void {
    issue('warning', toProps(props), message);
  },
  error(message: string, props?: AnnotationProperties): void {
    issue('error', toProps(props), message);
  },
  setFailed(message: string): void {
    process.exitCode = 1;
    issue('error', {}, message);
  },
  /**
   * Appends Markdown (and a line end) to $GITHUB_STEP_SUMMARY; returns false when it is not set.
   * @actions/core's `summary.addRaw(markdown, true).write()` writes the same bytes.
   */
  appendSummary(markdown: string): boolean {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file) return false;
    fs.appendFileSync(file, markdown + os.EOL, { encoding: 'utf8' });
    return true;
  },
  startGroup(name: string): void {
    issue('group', {}, name);
  },
  endGroup(): void {
    issue('endgroup', {}, '');
  },
  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    runner.startGroup(name);
    try {
      return await fn();
    } finally {
      runner.endGroup();
    }
  },
};
