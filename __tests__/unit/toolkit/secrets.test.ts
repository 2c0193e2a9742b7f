import { describe, expect, test } from '@jest/globals';
import { maskSecret, redact, secretForms, Summary, setOutputs } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';

describe('secret masking', () => {
  test('masks the secret and its encoded forms', () => {
    const masked: string[] = [];
    maskSecret('s3cr3t-Pass:word', (s) => masked.push(s));
    expect(masked).toContain('s3cr3t-Pass:word');
    expect(masked).toContain(Buffer.from('s3cr3t-Pass:word').toString('base64'));
    expect(masked).toContain(encodeURIComponent('s3cr3t-Pass:word'));
  });

  test('redact removes every form from text', () => {
    const secret = 'hunter2-token';
    const b64 = Buffer.from(secret).toString('base64');
    const text = `token=${secret} auth=Basic ${b64}`;
    const out = redact(text, [secret]);
    expect(out).not.toContain(secret);
    expect(out).not.toContain(b64);
    expect(secretForms('')).toEqual([]);
  });

  test('summaries and outputs are redacted of registered secrets', () => {
    maskSecret('very-secret-value', () => {});
    const outputs: Record<string, string> = {};
    setOutputs(
      { report: { note: 'very-secret-value' }, skipped: undefined, passed: 'true' },
      (n, v) => (outputs[n] = v),
    );
    expect(outputs).toEqual({ report: '{"note":"***"}', passed: 'true' });
    const md = new Summary()
      .heading('x')
      .table(['a', 'b'], [['1|2', 'line\nbreak']])
      .toString();
    expect(md).toContain('| 1\\|2 | line<br>break |');
  });
});

test('memory state round-trips JSON values', () => {
  const s = memoryState();
  s.save('phase', { step: 2 });
  expect(s.get('phase')).toEqual({ step: 2 });
  expect(s.get('missing')).toBeUndefined();
});
