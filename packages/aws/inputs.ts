import { input, type Field } from '@hac/toolkit';
import { idExpected, isId, type IdKind } from './ids.js';
import { isValidRegion, REGION_EXPECTED } from './regions.js';

/** A required or optional EC2 id input of one kind. */
export function id(kind: IdKind, opts: { required?: boolean } = {}): Field<string> {
  return input.map(
    input.string({ required: opts.required ?? false, expected: idExpected(kind) }),
    (v) => {
      if (v !== '' && !isId(kind, v)) throw new Error('bad id');
      return v;
    },
    idExpected(kind),
  );
}

/** A list of EC2 ids of one kind. */
export function ids(kind: IdKind, opts: { required?: boolean } = {}): Field<string[]> {
  return input.list({
    required: opts.required ?? false,
    item: id(kind, { required: true }),
    expected: `a comma- or newline-separated list of ids like ${idExpected(kind).split(' such as ')[1]}`,
  });
}

/** A region input; empty is allowed (the client falls back to AWS_REGION / AWS_DEFAULT_REGION). */
export function region(): Field<string> {
  return input.map(
    input.string({ expected: REGION_EXPECTED }),
    (v) => {
      if (v !== '' && !isValidRegion(v)) throw new Error('bad region');
      return v;
    },
    REGION_EXPECTED,
  );
}

/** The connect timeout of every AWS request (`connect-timeout`). */
export function connectTimeout(): Field<number> {
  return input.duration({ default: '5s', min: '1s', max: '2m' });
}

/** The response timeout of every AWS request (`request-timeout`): headers, then each pause in the body. */
export function requestTimeout(): Field<number> {
  return input.duration({ default: '30s', min: '1s', max: '10m' });
}

/** A list of regions (for copies). */
export function regions(): Field<string[]> {
  return input.list({
    item: region(),
    expected: `a comma- or newline-separated list of AWS regions such as us-west-2, eu-west-1`,
  });
}

/** An http(s) endpoint URL, or empty. */
export function endpoint(): Field<string> {
  return input.map(
    input.string({ expected: 'an http(s) URL' }),
    (v) => {
      if (v === '') return v;
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('bad endpoint');
      return v;
    },
    'an http(s) URL such as https://ec2.us-east-1.amazonaws.com',
  );
}

/** `Key=Value` pairs, one per line (or a YAML/JSON map), into a record; AWS tag limits enforced. */
export function tags(): Field<Record<string, string>> {
  const expected =
    'tags as Key=Value lines or a YAML map (keys up to 128 characters, values up to 256, no "aws:" prefix)';
  return input.map(
    input.string({ trim: true, expected }),
    (raw) => {
      if (raw === '') return {};
      const out: Record<string, string> = {};
      const lines = raw
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      for (const line of lines) {
        const m = line.includes('=') ? /^([^=]+?)\s*=\s*(.*)$/.exec(line) : /^(.+?)\s*:\s+(.*)$/.exec(line);
        if (!m) throw new Error('bad tag');
        const key = (m[1] as string).trim();
        const value = (m[2] as string).trim().replace(/^(['"])(.*)\1$/, '$2');
        if (
          key.length === 0 ||
          key.length > 128 ||
          value.length > 256 ||
          key.toLowerCase().startsWith('aws:')
        )
          throw new Error('bad tag');
        out[key] = value;
      }
      return out;
    },
    expected,
  );
}

/** `name=value` lines (newline-separated; values may contain commas and '=') into a record; names must match `name`. */
export function keyValues(name: RegExp): Field<Record<string, string>> {
  // Values reach packer as arguments or environment variables, which cannot carry NUL; other
  // control characters (tab, CR inside a value) pass through unchanged.
  const expected = `name=value lines, names matching ${name}, values without NUL characters`;
  return input.map(
    input.string({ trim: true, expected }),
    (raw) => {
      const out: Record<string, string> = {};
      for (const line of raw
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)) {
        const i = line.indexOf('=');
        if (i <= 0) throw new Error('bad pair');
        const k = line.slice(0, i).trim();
        if (!name.test(k)) throw new Error('bad name');
        if (line.includes('\0')) throw new Error('NUL in a value');
        out[k] = line.slice(i + 1);
      }
      return out;
    },
    expected,
  );
}
