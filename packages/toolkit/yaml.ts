// Bounded YAML (and JSON, which is YAML) parsing for inputs: a size limit, a nesting limit checked
// before the parser runs (deep nesting overflows the parser's stack and takes quadratic time), the
// yaml package's own alias limit against "billion laughs" bombs, and messages without parser internals.
import type { Document } from 'yaml';
import { onFirstUse } from './lazy.js';

/** The yaml package, loaded when the first YAML text is parsed (lazy.ts). */
export const yamlPackage = onFirstUse<typeof import('yaml')>(
  'yaml',
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundler's lazy require (lazy.ts)
  () => require('yaml'),
);

/** The most aliases a document may expand (the yaml package's own guard against alias bombs). */
export const YAML_MAX_ALIASES = 100;
/** The deepest flow nesting ([ and {) accepted. */
export const YAML_MAX_FLOW_DEPTH = 200;
/** The deepest block indentation accepted, in columns (indentation plus compact "- " entries). */
export const YAML_MAX_BLOCK_COLUMNS = 400;
/** The largest parsed inline input, in bytes. */
export const INLINE_PARSE_LIMIT = 256 * 1024;

/** A YAML or JSON text that is too large, too deep, or not valid; the message is meant for users. */
export class YamlLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlLimitError';
  }
}

/** Formats a byte count for messages: 1536 -> "1.5 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * A conservative estimate of how deep `text` nests: the deepest flow nesting (brackets and braces,
 * wherever they are) and the deepest block column (leading spaces plus compact "- " or "? " entries).
 */
export function nestingDepth(text: string): { flow: number; block: number } {
  let flow = 0;
  let maxFlow = 0;
  let maxBlock = 0;
  let column = 0;
  let leading = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      column = 0;
      leading = true;
      continue;
    }
    if (leading) {
      const next = text.charCodeAt(i + 1);
      if (c === 32 || ((c === 45 || c === 63) && (next === 32 || next === 9))) {
        column += c === 32 ? 1 : 2;
        if (c !== 32) i += 1;
        if (column > maxBlock) maxBlock = column;
        continue;
      }
      leading = false;
    }
    if (c === 91 || c === 123) {
      flow += 1;
      if (flow > maxFlow) maxFlow = flow;
    } else if ((c === 93 || c === 125) && flow > 0) flow -= 1;
  }
  return { flow: maxFlow, block: maxBlock };
}

/** Why `text` may not be parsed at all (size or nesting), or undefined. */
export function yamlLimitProblem(text: string, maxBytes: number): string | undefined {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) return `${formatBytes(bytes)}, more than the limit of ${formatBytes(maxBytes)}`;
  const depth = nestingDepth(text);
  if (depth.flow > YAML_MAX_FLOW_DEPTH)
    return `nested more than ${YAML_MAX_FLOW_DEPTH} levels deep in brackets or braces`;
  if (depth.block > YAML_MAX_BLOCK_COLUMNS)
    return `indented more than ${YAML_MAX_BLOCK_COLUMNS} columns deep`;
  return undefined;
}

/** The user-facing part of a yaml error: its first line, without stack-overflow or other internals. */
export function yamlErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/call stack|too much recursion/i.test(message)) return 'nested too deeply to parse';
  if (/alias count|resource exhaustion/i.test(message))
    return `more than ${YAML_MAX_ALIASES} aliases are expanded (an alias bomb?)`;
  const first = message.split('\n')[0] ?? '';
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}

/** Parses one YAML or JSON document within the limits. Throws YamlLimitError with a clean message. */
export function parseYamlBounded(text: string, maxBytes: number = INLINE_PARSE_LIMIT): unknown {
  const problem = yamlLimitProblem(text, maxBytes);
  if (problem) throw new YamlLimitError(problem);
  try {
    return yamlPackage().parse(text, { prettyErrors: false, maxAliasCount: YAML_MAX_ALIASES });
  } catch (err) {
    throw new YamlLimitError(`not valid YAML or JSON (${yamlErrorMessage(err)})`);
  }
}

/** Parses a multi-document stream within the limits; each document keeps its own errors. */
export function parseYamlDocumentsBounded(text: string, maxBytes: number): Document.Parsed[] {
  const problem = yamlLimitProblem(text, maxBytes);
  if (problem) throw new YamlLimitError(problem);
  try {
    const docs = yamlPackage().parseAllDocuments(text, { prettyErrors: true });
    return (Array.isArray(docs) ? docs : []) as Document.Parsed[];
  } catch (err) {
    throw new YamlLimitError(`not valid YAML (${yamlErrorMessage(err)})`);
  }
}
