/** One line of `packer -machine-readable` output: timestamp,target,type,data... */
export interface MachineLine {
  timestamp: number;
  target: string;
  type: string;
  data: string[];
}

/** Undoes Packer's escaping inside a field: %!(PACKER_COMMA) is a comma, \n and \r are newlines. */
export function unescapeField(field: string): string {
  return field
    .replace(/%!\(PACKER_COMMA\)/g, ',')
    .replace(/\\n/g, '\n')
    .replace(/\\r/g, '\r');
}

export function parseMachineLine(line: string): MachineLine | undefined {
  const parts = line.replace(/\r?\n$/, '').split(',');
  if (parts.length < 3 || !/^\d+$/.test(parts[0] as string)) return undefined;
  return {
    timestamp: Number(parts[0]),
    target: parts[1] as string,
    type: parts[2] as string,
    data: parts.slice(3).map(unescapeField),
  };
}

export interface PackerArtifact {
  builder: string;
  index: number;
  builderId?: string;
  id?: string;
  string?: string;
  files: string[];
}

export interface PackerResult {
  artifacts: PackerArtifact[];
  /** region -> AMI id, from amazon-* artifact ids such as `us-east-1:ami-0abc,us-west-2:ami-0def`. */
  amis: Record<string, string>;
  errors: string[];
  /** `ui` messages in order (say/message/error), for the log and the failure annotation. */
  messages: { level: string; text: string }[];
}

/** Parses the artifact lines (and ui errors) of a machine-readable log. */
export function parseMachineLog(text: string): PackerResult {
  const byKey = new Map<string, PackerArtifact>();
  const result: PackerResult = { artifacts: [], amis: {}, errors: [], messages: [] };
  for (const raw of text.split('\n')) {
    const line = parseMachineLine(raw);
    if (!line) continue;
    if (line.type === 'ui') {
      const [level = 'say', msg = ''] = line.data;
      result.messages.push({ level, text: msg });
      if (level === 'error') result.errors.push(msg);
      continue;
    }
    if (line.type === 'error') {
      result.errors.push(line.data.join(','));
      continue;
    }
    if (line.type !== 'artifact') continue;
    const [indexText = '0', key = '', ...values] = line.data;
    const mapKey = `${line.target}#${indexText}`;
    let art = byKey.get(mapKey);
    if (!art) {
      art = { builder: line.target, index: Number(indexText), files: [] };
      byKey.set(mapKey, art);
      result.artifacts.push(art);
    }
    const value = values.join(',');
    if (key === 'builder-id') art.builderId = value;
    else if (key === 'id') art.id = value;
    else if (key === 'string') art.string = value;
    else if (key === 'file') art.files.push(values[1] ?? value);
  }
  for (const art of result.artifacts) Object.assign(result.amis, amisOf(art.id));
  return result;
}

/** `us-east-1:ami-0abc,us-west-2:ami-0def` -> { 'us-east-1': 'ami-0abc', ... }; other ids give {}. */
export function amisOf(id: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (id ?? '').split(',')) {
    const m = /^\s*([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}):(ami-[0-9a-f]+)\s*$/.exec(part);
    if (m) out[m[1] as string] = m[2] as string;
  }
  return out;
}

/** A human line for a machine-readable line (what Packer would print without -machine-readable), or undefined. */
export function humanLine(line: MachineLine): string | undefined {
  if (line.type !== 'ui') return undefined;
  const [level, text = ''] = line.data;
  return level === 'error' ? `ERROR: ${text}` : text;
}
