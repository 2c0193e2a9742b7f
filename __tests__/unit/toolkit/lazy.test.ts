// onFirstUse from the sources (ES modules, no require): Node's loader, called once, on first use.
import { describe, expect, test } from '@jest/globals';
import { onFirstUse, yamlPackage } from '@hac/toolkit';

describe('onFirstUse', () => {
  test('loads nothing until called, then the package once (the bundled loader is not used here)', () => {
    let bundledCalls = 0;
    const get = onFirstUse<{ parse: (t: string) => unknown }>('yaml', () => {
      bundledCalls++;
      throw new Error('the bundled loader runs only inside a bundle');
    });
    const first = get();
    expect(get()).toBe(first);
    expect(first.parse('a: 1')).toEqual({ a: 1 });
    expect(bundledCalls).toBe(0);
  });

  test('a package that is not installed fails when first used, naming it', () => {
    const get = onFirstUse('hac-no-such-package', () => undefined);
    expect(() => get()).toThrow(/hac-no-such-package/);
  });

  test('yamlPackage is the yaml package', () => {
    expect(yamlPackage().parse('[1, 2]')).toEqual([1, 2]);
    expect(yamlPackage()).toBe(yamlPackage());
  });
});
