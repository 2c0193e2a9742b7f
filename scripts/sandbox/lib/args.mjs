// The sandbox CLI's arguments: node's parseArgs, and per command the options it takes.
import { parseArgs } from 'node:util';

const OPTIONS = {
  json: { type: 'boolean' },
  kill: { type: 'boolean' },
  clusters: { type: 'string' },
  cluster: { type: 'string' },
  'down-seconds': { type: 'string' },
};

/** The options each command takes. */
const COMMAND_OPTIONS = {
  up: ['clusters'],
  status: ['json'],
  env: ['json'],
  'restart-apiserver': ['cluster', 'down-seconds', 'kill'],
};

/** The command, its positional arguments and its options; an option the command does not take is an error. */
export function parseCli(argv) {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [cmd, ...positional] = positionals;
  const allowed = COMMAND_OPTIONS[cmd] ?? [];
  const wrong = Object.keys(values).filter((k) => !allowed.includes(k));
  if (wrong.length) {
    const takes = allowed.length ? allowed.map((k) => `--${k}`).join(', ') : 'no options';
    throw new Error(`${cmd}: option --${wrong[0]} is not one of its options (it takes ${takes})`);
  }
  return { cmd, positional, values };
}

export function downSeconds(raw) {
  if (raw === undefined) return 0;
  if (!/^\d+(\.\d+)?$/.test(raw)) {
    throw new Error(`--down-seconds: got ${JSON.stringify(raw)}; expected a number of seconds, e.g. 5`);
  }
  return Number(raw);
}
