import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';

/**
 * The GitHub Actions runner protocol (workflow commands and environment files), with no
 * dependencies, for everything an action does on its startup path. It matches what
 * @actions/core writes; @actions/core itself is loaded lazily (job summaries), because importing
 * it eagerly costs about 100 ms of cold start (its HTTP client) that most runs never use.
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

/** Formats `::name key=value::message`, escaped as the runner expects. */
export function formatCommand(name: string, properties: Record<string, unknown>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

function issue(name: string, properties: Record<string, unknown>, message: string): void {
  process.stdout.write(formatCommand(name, properties, message) + os.EOL);
}

/** `name<<delimiter\nvalue\ndelimiter`, as appended to $GITHUB_OUTPUT, $GITHUB_STATE and $GITHUB_ENV. */
export function keyValueMessage(
  name: string,
  value: string,
  delimiter = `ghadelimiter_${crypto.randomUUID()}`,
): string {
  if (name.includes(delimiter) || value.includes(delimiter))
    throw new Error(`unexpected delimiter in ${name}`);
  return `${name}<<${delimiter}${os.EOL}${value}${os.EOL}${delimiter}`;
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
  getInput(name: string): string {
    return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  },
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
  exportVariable(name: string, value: string): void {
    process.env[name] = value;
    if (!fileCommand('GITHUB_ENV', name, value)) issue('set-env', { name }, value);
  },
  setSecret(secret: string): void {
    issue('add-mask', {}, secret);
  },
  isDebug(): boolean {
    return process.env.RUNNER_DEBUG === '1';
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
