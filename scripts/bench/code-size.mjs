// Bench area: function and file sizes of the shipped code (packages/ and actions/, tests
// excluded), counted with the TypeScript compiler API by scripts/sizes.mjs.
import { measure } from '../sizes.mjs';

export async function run({ repoRoot }) {
  const r = measure(repoRoot);
  const lines = [
    `${r.files} source files, ${r.lines} lines, ${r.functions} functions (\`node scripts/sizes.mjs\`).`,
    '',
    '| signal | limit | count |',
    '| --- | ---: | ---: |',
    `| functions over the limit | ${r.limits.function} lines | ${r.bigFunctions.length} |`,
    `| files over the limit | ${r.limits.file} lines | ${r.bigFiles.length} |`,
  ];
  if (r.bigFunctions.length + r.bigFiles.length > 0) {
    lines.push('', '| over the limit | lines |', '| --- | ---: |');
    for (const f of r.bigFunctions) lines.push(`| \`${f.file}:${f.line}\` ${f.name} | ${f.lines} |`);
    for (const f of r.bigFiles) lines.push(`| \`${f.file}\` | ${f.lines} |`);
  }
  const data = {
    files: r.files,
    lines: r.lines,
    functions: r.functions,
    functionsOverLimit: r.bigFunctions.length,
    filesOverLimit: r.bigFiles.length,
  };
  return { title: 'Code size: functions and files', markdown: lines.join('\n'), data };
}
