import { expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// The root action.yml and the dispatcher's manifest are generated from actions/*/action.yml;
// this proves the committed files are in sync with them.
const root = path.resolve(import.meta.dirname, '../../..');
const { generate } = (await import(path.join(root, 'scripts/gen-root.mjs'))) as {
  generate: () => Record<string, string>;
};

test.each(['action.yml', 'root/manifest.generated.json'])(
  '%s is in sync with actions/*/action.yml',
  (rel) => {
    expect(fs.readFileSync(path.join(root, rel), 'utf8')).toBe(generate()[rel]);
  },
);

test('every input of every action is an input of the root action, which runs on node24', () => {
  const rootDoc = parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8'));
  expect(rootDoc.runs.using).toBe('node24');
  for (const dir of fs.readdirSync(path.join(root, 'actions'))) {
    const doc = parse(fs.readFileSync(path.join(root, 'actions', dir, 'action.yml'), 'utf8'));
    expect(doc.runs.using).toBe('node24');
    expect(doc.runs.main).toBe(`../../dist/${dir}/index.js`);
    for (const name of Object.keys(doc.inputs ?? {})) expect(Object.keys(rootDoc.inputs)).toContain(name);
  }
});

test('the inputs and outputs tables of every action README are generated from its action.yml', async () => {
  const { generate: docs } = (await import(path.join(root, 'scripts/gen-docs.mjs'))) as {
    generate: () => Record<string, string>;
  };
  const files = docs();
  expect(Object.keys(files).length).toBe(6);
  for (const [rel, text] of Object.entries(files)) {
    expect(text).toContain('<!-- hac:inputs -->');
    expect(text).toContain('<!-- hac:outputs -->');
    expect(fs.readFileSync(path.join(root, rel), 'utf8')).toBe(text);
  }
});
