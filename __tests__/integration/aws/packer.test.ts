// The packer engine with Debian's real packer binary, on a template using the null builder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import { runPacker } from '../../../packages/aws/packer/run.js';
import { type PackerSpec } from '../../../packages/aws/packer/args.js';
import { requireSandbox } from '../../support/sandbox.js';

const template = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'fixtures',
  'packer',
  'null.pkr.hcl',
);

function spec(over: Partial<PackerSpec> = {}): PackerSpec {
  return {
    template,
    varFiles: [],
    vars: {},
    secretVars: {},
    only: [],
    except: [],
    onError: 'cleanup',
    force: false,
    init: 'auto',
    ...over,
  };
}

describe('packer engine with the real binary', () => {
  const sb = requireSandbox([]);
  const packer = sb.packer || '/usr/bin/packer';

  test('the binary exists', () => {
    expect(fs.existsSync(packer)).toBe(true);
  });

  test('builds the null template; vars on argv, the secret through PKR_VAR_; artifacts parsed; log streamed in groups', async () => {
    const lines: string[] = [];
    const groups: string[] = [];
    const out = await runPacker(
      spec({ vars: { greeting: 'bonjour' }, secretVars: { token: 's3cr3t-value' } }),
      {
        packer,
        log: (l) => lines.push(l),
        group: async (name, fn) => {
          groups.push(name);
          return fn();
        },
      },
    );
    expect(out.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(groups).toContain('packer build');
    expect(lines.join('\n')).toContain('greeting=bonjour');
    expect(lines.join('\n')).toContain('token-length=12');
    expect(out.artifacts).toEqual([
      expect.objectContaining({ builder: 'null.example', builderId: 'fnoeding.null', id: 'Null' }),
    ]);
    expect(out.amis).toEqual({});
  });

  test("a failing build is a clear ActionError naming packer's error", async () => {
    // Without the secret the template's provisioner fails (`test -n ""`).
    const err = await runPacker(spec(), { packer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect((err as ActionError).message).toMatch(/packer build failed \(exit 1\): .*non-zero exit status/);
  });

  test('a missing packer binary is a clear ActionError', async () => {
    const err = await runPacker(spec(), { packer: '/nonexistent/packer' }).catch((e: unknown) => e);
    expect((err as ActionError).message).toMatch(/Packer could not be run/);
    expect((err as ActionError).hint).toMatch(/setup-packer/);
  });
});
