import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';

// The root action.yml and the dispatcher's manifest are generated from actions/*/action.yml;
// this proves the committed files are in sync with them.
const root = path.resolve(import.meta.dirname, '../../..');
const { generate } = (await import(path.join(root, 'scripts/gen-root.mjs'))) as {
  generate: (root?: string) => Record<string, string>;
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
  expect(Object.keys(files).length).toBe(7);
  for (const [rel, text] of Object.entries(files)) {
    expect(text).toContain('<!-- hac:inputs -->');
    expect(text).toContain('<!-- hac:outputs -->');
    expect(fs.readFileSync(path.join(root, rel), 'utf8')).toBe(text);
  }
});

describe('root input descriptions', () => {
  const rootDoc = parse(fs.readFileSync(path.join(root, 'action.yml'), 'utf8'));
  const actions = Object.fromEntries(
    fs
      .readdirSync(path.join(root, 'actions'))
      .map((d) => [d, parse(fs.readFileSync(path.join(root, 'actions', d, 'action.yml'), 'utf8'))]),
  );
  const inputNames = [...new Set(Object.values(actions).flatMap((d) => Object.keys(d.inputs ?? {})))];

  test.each(inputNames)("%s: names every action that uses it, with each one's meaning", (name) => {
    const users = Object.keys(actions)
      .filter((a) => name in (actions[a].inputs ?? {}))
      .sort();
    const desc = String(rootDoc.inputs[name].description);
    expect(desc.startsWith(`[${users.join(', ')}]`)).toBe(true);
    for (const a of users) {
      const own = String(actions[a].inputs[name].description ?? '').trim();
      expect(desc).toContain(own);
      const def = actions[a].inputs[name].default;
      if (def !== undefined && String(def) !== '') expect(desc).toContain(`Default: ${def}.`);
    }
    if (new Set(users.map((a) => String(actions[a].inputs[name].description).trim())).size > 1)
      for (const a of users) expect(desc).toContain(`\n${a}: `);
  });

  test('the selector is hac-action, documented, and not required (the legacy form still selects)', () => {
    expect(Object.keys(rootDoc.inputs)[0]).toBe('hac-action');
    expect(rootDoc.inputs['hac-action'].required).toBe(false);
    expect(rootDoc.inputs['hac-action'].description).toContain('k8s-canary');
    expect(rootDoc.inputs.action.description).toMatch(/^\[fleet, k8s-bluegreen, k8s-canary\]/);
  });

  test('generation refuses an action input that collides with the selector', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-gen-'));
    try {
      for (const d of Object.keys(actions)) {
        fs.mkdirSync(path.join(tmp, 'actions', d), { recursive: true });
        const doc = structuredClone(actions[d]);
        if (d === 'smoke-test') doc.inputs['hac-action'] = { description: 'clash' };
        fs.writeFileSync(path.join(tmp, 'actions', d, 'action.yml'), stringify(doc));
      }
      expect(() => generate(tmp)).toThrow('smoke-test declare(s) an input "hac-action"');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
