// The import graph of TypeScript sources, read with the compiler API (ts.createSourceFile and
// ts.resolveModuleName, with the repository's tsconfig paths): every static, type-only and dynamic
// import and re-export, resolved to a file in the graph or named as an external package.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type ImportKind = 'static' | 'type' | 'dynamic';

export interface Edge {
  specifier: string;
  kind: ImportKind;
  /** The resolved source file, when it is one of ours. */
  to?: string;
  /** The npm package, when the import leaves our sources (node: builtins are left out). */
  external?: string;
}

export type ImportGraph = Map<string, Edge[]>;

/** Compiler options from a tsconfig.json (paths included). */
export function compilerOptions(tsconfig: string): ts.CompilerOptions {
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(tsconfig)).options;
}

/** Every .ts file (not .d.ts) under `dirs`. */
export function sourceFiles(dirs: string[]): string[] {
  return dirs
    .filter((d) => fs.existsSync(d))
    .flatMap((d) => fs.readdirSync(d, { recursive: true, encoding: 'utf8' }).map((f) => path.join(d, f)))
    .filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes(`${path.sep}node_modules${path.sep}`),
    )
    .sort();
}

const onlyTypes = (elements: ts.NodeArray<ts.ImportSpecifier | ts.ExportSpecifier>): boolean =>
  elements.length > 0 && elements.every((e) => e.isTypeOnly);

function importKind(node: ts.ImportDeclaration): ImportKind {
  const clause = node.importClause;
  if (!clause) return 'static';
  if (clause.isTypeOnly) return 'type';
  const named = clause.namedBindings;
  return !clause.name && named && ts.isNamedImports(named) && onlyTypes(named.elements) ? 'type' : 'static';
}

function exportKind(node: ts.ExportDeclaration): ImportKind {
  const clause = node.exportClause;
  return node.isTypeOnly || (clause && ts.isNamedExports(clause) && onlyTypes(clause.elements))
    ? 'type'
    : 'static';
}

/** The module specifiers a file imports, with how it imports them. */
export function importsOf(file: string): { specifier: string; kind: ImportKind }[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { specifier: string; kind: ImportKind }[] = [];
  const visit = (node: ts.Node): void => {
    const add = (spec: ts.Node | undefined, kind: ImportKind) => {
      if (spec && ts.isStringLiteralLike(spec)) found.push({ specifier: spec.text, kind });
    };
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, importKind(node));
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, exportKind(node));
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node.moduleReference.expression, node.isTypeOnly ? 'type' : 'static');
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      add(node.arguments[0], 'dynamic');
    // require('name') (onFirstUse in packages/toolkit/lazy.ts): bundled, evaluated when first called.
    else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'require'
    )
      add(node.arguments[0], 'dynamic');
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      add(node.argument.literal, 'type');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The npm package of a bare specifier: `@scope/name` or `name`. */
const packageName = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

export function buildGraph(files: string[], options: ts.CompilerOptions): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const edges: Edge[] = [];
    for (const { specifier, kind } of importsOf(file)) {
      if (specifier.startsWith('node:')) continue;
      const resolved = ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport)
        edges.push({ specifier, kind, to: path.resolve(resolved.resolvedFileName) });
      else if (!specifier.startsWith('.')) edges.push({ specifier, kind, external: packageName(specifier) });
      else throw new Error(`${file}: cannot resolve ${specifier}`);
    }
    graph.set(path.resolve(file), edges);
  }
  return graph;
}

/**
 * Every cycle's strongly connected component (Tarjan), each as one concrete loop
 * `a → b → a` starting from its first file in sort order; components in sort order.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const next = (f: string) => [
    ...new Set((graph.get(f) ?? []).flatMap((e) => (e.to && graph.has(e.to) ? [e.to] : []))),
  ];
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) connect(w);
      if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, low.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || next(v).includes(v)) components.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components
    .sort((x, y) => x[0]!.localeCompare(y[0]!))
    .map((c) => loopThrough(c[0]!, new Set(c), next));
}

/** The shortest loop from `start` back to itself inside one component (breadth first). */
function loopThrough(start: string, members: Set<string>, next: (f: string) => string[]): string[] {
  const from = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next(v).filter((n) => members.has(n))) {
      if (w === start) {
        const loop = [start];
        for (let u = v; u !== start; u = from.get(u)!) loop.splice(1, 0, u);
        return [...loop, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** Files reachable from `entry` through imports of the given kinds (the entry included). */
export function reachable(graph: ImportGraph, entry: string, kinds: ImportKind[]): Set<string> {
  const seen = new Set([path.resolve(entry)]);
  const queue = [...seen];
  while (queue.length > 0) {
    for (const e of graph.get(queue.shift()!) ?? []) {
      if (e.to && kinds.includes(e.kind) && !seen.has(e.to)) {
        seen.add(e.to);
        queue.push(e.to);
      }
    }
  }
  return seen;
}
