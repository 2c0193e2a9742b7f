/** Accepted HTTP statuses, parsed from text such as "2xx", "200,301-308" or "200 404". */
export interface StatusMatcher {
  readonly text: string;
  test(status: number): boolean;
}

export const STATUS_FORM = 'status codes, ranges or classes such as "2xx", "200,301-308" (each 100-599)';

type Range = readonly [number, number];

function part(item: string): Range {
  const cls = /^([1-5])xx$/i.exec(item);
  if (cls) return [Number(cls[1]) * 100, Number(cls[1]) * 100 + 99];
  const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(item);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (lo > hi) throw new Error(`status range "${item}" runs backwards; expected low-high`);
    return [valid(lo, item), valid(hi, item)];
  }
  if (/^\d{3}$/.test(item)) {
    const n = valid(Number(item), item);
    return [n, n];
  }
  throw new Error(`"${item}" is not a status; expected ${STATUS_FORM}`);
}

function valid(n: number, item: string): number {
  if (n < 100 || n > 599) throw new Error(`status "${item}" is out of range; expected ${STATUS_FORM}`);
  return n;
}

/** Parses a status spec; throws an Error naming the bad item and the expected form. */
export function parseStatusSpec(spec: string | number | readonly (string | number)[] = '2xx'): StatusMatcher {
  const items = (Array.isArray(spec) ? spec.map(String) : String(spec).split(/[\s,]+/))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new Error(`empty status list; expected ${STATUS_FORM}`);
  const ranges = items.map(part);
  const text = items.join(',');
  if (ranges.length === 1) {
    const [lo, hi] = ranges[0] as Range;
    return { text, test: (s) => s >= lo && s <= hi };
  }
  return { text, test: (s) => ranges.some(([lo, hi]) => s >= lo && s <= hi) };
}
