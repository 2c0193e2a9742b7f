import { describe, expect, test } from '@jest/globals';
import {
  fillTemplate,
  placeholdersIn,
  POST_SWAP_PLACEHOLDERS,
  PRE_SWAP_PLACEHOLDERS,
  templateProblem,
} from '../../../packages/aws/eip/template.js';

describe('URL templates', () => {
  test.each<[string, string[]]>([
    ['http://{{private-ip}}:8080/healthz', ['private-ip']],
    ['http://{{ public-ip }}/x?id={{instance-id}}&again={{public-ip}}', ['public-ip', 'instance-id']],
    ['http://127.0.0.1:9/fixed', []],
  ])('placeholders of %s', (text, names) => {
    expect(placeholdersIn(text)).toEqual(names);
  });

  test.each<[string, readonly string[], RegExp | undefined]>([
    ['http://{{private-ip}}:8080/', PRE_SWAP_PLACEHOLDERS, undefined],
    ['http://{{eip}}/', POST_SWAP_PLACEHOLDERS, undefined],
    ['http://{{eip}}/', PRE_SWAP_PLACEHOLDERS, /\{\{eip\}\} cannot be used here/],
    ['http://{{private_ip}}/', PRE_SWAP_PLACEHOLDERS, /unknown placeholder \{\{private_ip\}\}/],
    ['http://{{private-ip}/', PRE_SWAP_PLACEHOLDERS, /unbalanced/],
    ['http://private-ip}}/', PRE_SWAP_PLACEHOLDERS, /unbalanced/],
    ['http://{{}}/', PRE_SWAP_PLACEHOLDERS, /unknown placeholder/],
  ])('problem of %s', (text, allowed, expected) => {
    const p = templateProblem(text, allowed as never);
    if (expected) expect(p).toMatch(expected);
    else expect(p).toBeUndefined();
  });

  test('fills every placeholder, with spaces inside the braces too', () => {
    expect(
      fillTemplate('http://{{ private-ip }}:80/{{instance-id}}', {
        'private-ip': '10.0.0.1',
        'instance-id': 'i-1',
      }),
    ).toBe('http://10.0.0.1:80/i-1');
  });

  test('a placeholder without a value names it', () => {
    expect(() => fillTemplate('http://{{public-ip}}/', { 'private-ip': '10.0.0.1' })).toThrow(
      '{{public-ip}} has no value',
    );
  });
});
