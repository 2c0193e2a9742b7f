// Parses workflow files with @actions/workflow-parser (GitHub's own parser) and prints the errors
// of each as JSON. The package imports JSON without an import attribute, so it only runs bundled:
// __tests__/integration/workflows/templates.test.ts bundles this file with ncc first.
import fs from 'node:fs';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';

const results = {};
for (const file of process.argv.slice(2)) {
  const parsed = parseWorkflow(
    { name: file, content: fs.readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value && errors.length === 0) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message ?? String(e)));
    results[file] = { errors, jobs: (template.jobs ?? []).map((j) => j.id?.value ?? String(j.id)) };
  } else {
    results[file] = { errors, jobs: [] };
  }
}
process.stdout.write(JSON.stringify(results));
