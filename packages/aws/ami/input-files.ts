// The files build-ami's inputs name (user-data-file, ssm-commands-file, template, var-files), seen
// through one small interface: the rules check them, the resolving reads them, each file once.
import fs from 'node:fs';
import { readWorkspaceFile, workspacePath } from '@hac/toolkit';

export interface InputFiles {
  /** The absolute path of a path input; throws why it may not be used (outside the workspace). */
  resolve(p: string, allowOutside: boolean): string;
  /** The text of a file input; throws why it cannot be read (never with its content). */
  read(p: string, allowOutside: boolean): string;
  /** Whether a file or directory exists at an absolute path. */
  exists(abs: string): boolean;
}

/** The text of a file input, or the reason it cannot be read. */
export type FileText = { text: string } | { error: string };

/** Reads a file input through `files` without throwing. */
export function readText(files: InputFiles, p: string, allowOutside: boolean): FileText {
  try {
    return { text: files.read(p, allowOutside) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The workspace (GITHUB_WORKSPACE, or `cwd`), with each file read at most once. */
export function workspaceFiles(opts: { env: NodeJS.ProcessEnv; cwd?: string }): InputFiles {
  const where = (allowOutside: boolean) => ({ root: opts.cwd, env: opts.env, allowOutside });
  const texts = new Map<string, string>();
  return {
    resolve: (p, allowOutside) => workspacePath(p, where(allowOutside)),
    read(p, allowOutside) {
      const key = `${allowOutside}|${p}`;
      const known = texts.get(key);
      if (known !== undefined) return known;
      const { text } = readWorkspaceFile(p, where(allowOutside));
      texts.set(key, text);
      return text;
    },
    exists: (abs) => fs.existsSync(abs),
  };
}
