// File inputs stay inside the workspace: every path or glob match resolves (symlinks included)
// under GITHUB_WORKSPACE (or the working directory when it is unset) or the runner's RUNNER_TEMP,
// unless the user opts out with `allow-paths-outside-workspace: true`. Errors name the path and what was expected, never content.
import fs from 'node:fs';
import path from 'node:path';
import { boolean } from './inputs.js';
import { formatBytes } from './yaml.js';

/** The one input, shared by every action that reads files, that lifts the confinement. */
export const ALLOW_OUTSIDE_WORKSPACE = 'allow-paths-outside-workspace';
export const workspaceInputs = { [ALLOW_OUTSIDE_WORKSPACE]: boolean(false) } as const;

/** The largest file input read, in bytes, unless a reader sets its own limit. */
export const FILE_READ_LIMIT = 1024 * 1024;

export interface WorkspaceOptions {
  /** The workspace root; defaults to GITHUB_WORKSPACE, then the working directory. */
  root?: string;
  /** Where relative paths start; defaults to the root. */
  base?: string;
  allowOutside?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** A path input that is outside the workspace, missing, not a file, or too large. */
export class WorkspacePathError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'WorkspacePathError';
  }
}

/** The workspace root: the given one, GITHUB_WORKSPACE, or the working directory. */
export function workspaceRoot(opts: WorkspaceOptions = {}): string {
  const env = opts.env ?? process.env;
  return path.resolve(opts.root || env.GITHUB_WORKSPACE || process.cwd());
}

function realOrLexical(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function within(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Where file inputs may live: the workspace, and the runner's per-job temporary directory
 * (RUNNER_TEMP), which a step before may use for generated files and the runner empties after the job.
 */
function allowedRoots(root: string, opts: WorkspaceOptions): string[] {
  const temp = (opts.env ?? process.env).RUNNER_TEMP;
  return temp ? [root, path.resolve(temp)] : [root];
}

/**
 * Resolves a path input against the workspace and returns it absolute. Throws WorkspacePathError
 * when it (after following symlinks) leaves the workspace and the user has not opted out.
 */
export function workspacePath(value: string, opts: WorkspaceOptions = {}): string {
  const root = workspaceRoot(opts);
  const abs = path.resolve(opts.base ?? root, value);
  if (opts.allowOutside) return abs;
  const real = realOrLexical(abs);
  if (allowedRoots(root, opts).some((r) => within(real, realOrLexical(r)) || within(real, r))) return abs;
  const via = real !== abs ? ` (through a symlink to ${real})` : '';
  const temp = (opts.env ?? process.env).RUNNER_TEMP;
  throw new WorkspacePathError(
    `a path inside the workspace ${root}${temp ? ` or RUNNER_TEMP ${temp}` : ''}; "${value}" resolves outside it${via} (set ${ALLOW_OUTSIDE_WORKSPACE}: true to allow that)`,
    abs,
  );
}

/** Checks that an absolute path already found (e.g. a glob match) is inside the workspace. */
export function assertInWorkspace(file: string, opts: WorkspaceOptions = {}): void {
  workspacePath(path.resolve(file), { ...opts, base: '/' });
}

/**
 * Reads a text file named by an input: inside the workspace, a regular file (never a device or a
 * FIFO), at most `maxBytes`. Errors say which of these failed and never include the content.
 */
export function readWorkspaceFile(
  value: string,
  opts: WorkspaceOptions & { maxBytes?: number } = {},
): { path: string; text: string } {
  const file = workspacePath(value, opts);
  const limit = opts.maxBytes ?? FILE_READ_LIMIT;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new WorkspacePathError(`an existing file (relative to the workspace); ${file}: ${code}`, file);
  }
  if (!stat.isFile())
    throw new WorkspacePathError(`a regular file (relative to the workspace); ${file} is not one`, file);
  if (stat.size > limit)
    throw new WorkspacePathError(
      `a file of at most ${formatBytes(limit)}; ${file} has ${formatBytes(stat.size)}`,
      file,
    );
  try {
    return { path: file, text: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new WorkspacePathError(`a readable file; ${file}: ${code}`, file);
  }
}
