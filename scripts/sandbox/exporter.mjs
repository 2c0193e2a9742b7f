#!/usr/bin/env node
// A tiny Prometheus exporter whose values tests set over HTTP.
//
//   GET    /metrics                      Prometheus text format
//   GET    /values                       all series as JSON
//   GET    /healthz                      200 ok
//   POST   /set?name=N&labels=k=v,k2=v2&value=V[&type=gauge|counter][&help=...]
//   POST   /inc?name=N&labels=...&value=V  (adds V, default 1)
//   PUT    /set   JSON body {name, labels: {k: v}, value, type?, help?}
//   DELETE /metrics?name=N               drop one metric (all series), or all without name
//   POST   /reset                        drop everything
//   PUT    /series  JSON {name, labels, distribution, seed?, type?, help?}
//                                        a generated series: every scrape of /metrics draws a new
//                                        value (distributions: lib/distributions.mjs), e.g. per-pod
//                                        latency with labels {role: canary|baseline, pod, app, version}
//   POST   /spike   JSON {name, factor, seconds, match?: {k: v}}
//                                        multiplies every generated series of `name` whose labels
//                                        include `match` by factor for that long (a fleet-wide spike)
//   DELETE /series?name=N[&labels=k=v,...]  drop generated series of one metric (all, or those whose
//                                        labels include these); static ones stay
//
// Usage: node exporter.mjs [--port 15091] [--host 127.0.0.1] [--state file.json]
import http from 'node:http';
import fs from 'node:fs';
import { checkDistribution, draw, seededRandom } from './lib/distributions.mjs';

const args = process.argv.slice(2);
function opt(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}
const port = Number(opt('port', process.env.HAC_SANDBOX_EXPORTER_PORT || 15091));
const host = opt('host', '127.0.0.1');
const stateFile = opt('state', '');

/** name -> { type, help, series: Map(labelKey -> { labels, value, distribution?, seed? }) } */
const metrics = new Map();
/** Active spikes: { name, factor, until (ms), match }. */
let spikes = [];
/** labelKey of a generated series -> its random generator (rebuilt from the seed after a restart). */
const generators = new Map();

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function load() {
  if (!stateFile) return;
  try {
    const data = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    for (const m of data) {
      const series = new Map();
      for (const s of m.series) series.set(labelKey(s.labels), s);
      metrics.set(m.name, { type: m.type, help: m.help, series });
    }
  } catch {
    /* first start */
  }
}

function save() {
  if (!stateFile) return;
  const data = [...metrics].map(([name, m]) => ({
    name,
    type: m.type,
    help: m.help,
    series: [...m.series.values()],
  }));
  fs.writeFileSync(`${stateFile}.tmp`, JSON.stringify(data));
  fs.renameSync(`${stateFile}.tmp`, stateFile);
}

function labelKey(labels) {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

function parseLabels(raw) {
  if (!raw) return {};
  if (typeof raw === 'object') return { ...raw };
  const labels = {};
  for (const part of String(raw).split(',')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`bad label "${part}" (want k=v)`);
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

function validate({ name, labels, value, type }) {
  if (!name || !NAME_RE.test(name)) throw new Error(`bad metric name "${name}"`);
  for (const k of Object.keys(labels)) {
    if (!LABEL_RE.test(k) || k.startsWith('__')) throw new Error(`bad label name "${k}"`);
  }
  if (typeof value !== 'number') throw new Error('bad value');
  if (type && !['gauge', 'counter', 'untyped'].includes(type)) throw new Error(`bad type "${type}"`);
}

function parseValue(raw, fallback) {
  if (raw === undefined || raw === null || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new Error('missing value');
  }
  if (typeof raw === 'number') return raw;
  const s = String(raw);
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  const n = Number(s);
  if (Number.isNaN(n)) throw new Error(`bad value "${s}"`);
  return n;
}

function apply(op, { name, labels, value, type, help }) {
  validate({ name, labels, value, type });
  let m = metrics.get(name);
  if (!m) {
    m = { type: type || 'gauge', help: help || `${name} (set by tests)`, series: new Map() };
    metrics.set(name, m);
  }
  if (type) m.type = type;
  if (help) m.help = help;
  const key = labelKey(labels);
  const cur = m.series.get(key);
  const next = op === 'inc' ? (cur?.value ?? 0) + value : value;
  m.series.set(key, { labels, value: next });
  save();
  return next;
}

function setSeries({ name, labels: rawLabels, distribution, seed, type, help }) {
  const labels = parseLabels(rawLabels);
  validate({ name, labels, value: 0, type });
  if (type === 'counter') throw new Error('generated series are gauges (or untyped)');
  const dist = checkDistribution(distribution);
  const s = seed === undefined ? Math.floor(Math.random() * 2 ** 31) : seed;
  if (!Number.isInteger(s)) throw new Error(`bad seed ${JSON.stringify(seed)}`);
  let m = metrics.get(name);
  if (!m) {
    m = { type: type || 'gauge', help: help || `${name} (generated for tests)`, series: new Map() };
    metrics.set(name, m);
  }
  const key = labelKey(labels);
  m.series.set(key, { labels, value: NaN, distribution: dist, seed: s });
  generators.delete(`${name}\u0001${key}`);
  save();
  return { name, labels, distribution: dist, seed: s };
}

function addSpike({ name, factor, seconds, match }, now = Date.now()) {
  if (!name || !NAME_RE.test(name)) throw new Error(`bad metric name "${name}"`);
  if (typeof factor !== 'number' || !Number.isFinite(factor)) throw new Error('bad factor');
  if (typeof seconds !== 'number' || !(seconds > 0) || seconds > 3600)
    throw new Error('bad seconds (0 < s <= 3600)');
  const spike = { name, factor, until: now + seconds * 1000, match: parseLabels(match) };
  spikes = [...spikes.filter((x) => x.until > now), spike];
  return spike;
}

function spikeFactor(name, labels, now) {
  let k = 1;
  for (const x of spikes) {
    if (x.name !== name || x.until <= now) continue;
    if (Object.entries(x.match).every(([lk, lv]) => labels[lk] === lv)) k *= x.factor;
  }
  return k;
}

/** Draws a fresh value for every generated series (called once per scrape). */
function drawGenerated(now = Date.now()) {
  for (const [name, m] of metrics) {
    for (const [key, s] of m.series) {
      if (!s.distribution) continue;
      const id = `${name}\u0001${key}`;
      let rand = generators.get(id);
      if (!rand) generators.set(id, (rand = seededRandom(s.seed)));
      s.value = draw(s.distribution, rand) * spikeFactor(name, s.labels, now);
    }
  }
}

function deleteGenerated(name, match) {
  for (const [n, m] of metrics) {
    if (name && n !== name) continue;
    for (const [key, s] of m.series) {
      const matches = Object.entries(match).every(([k, v]) => s.labels[k] === v);
      if (s.distribution && matches) m.series.delete(key);
    }
    if (m.series.size === 0) metrics.delete(n);
  }
  save();
}

function fmtValue(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function escapeLabel(v) {
  return String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function exposition() {
  const lines = [];
  for (const [name, m] of [...metrics].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`# HELP ${name} ${m.help.replace(/\n/g, ' ')}`);
    lines.push(`# TYPE ${name} ${m.type}`);
    for (const s of m.series.values()) {
      const keys = Object.keys(s.labels).sort();
      const lbl = keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(s.labels[k])}"`).join(',')}}` : '';
      lines.push(`${name}${lbl} ${fmtValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function send(res, code, body, type = 'application/json') {
  res.writeHead(code, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function readBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 1 << 20) throw new Error('body too large');
  }
  return body;
}

/** The routes of generated series and spikes: the answer, or undefined when none matches. */
async function generatedRoute(req, url) {
  if (req.method === 'PUT' && url.pathname === '/series') return setSeries(JSON.parse(await readBody(req)));
  if (req.method === 'POST' && url.pathname === '/spike') return addSpike(JSON.parse(await readBody(req)));
  if (req.method === 'DELETE' && url.pathname === '/series') {
    deleteGenerated(url.searchParams.get('name'), parseLabels(url.searchParams.get('labels')));
    return { ok: true };
  }
  return undefined;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://${host}`);
  try {
    if (req.method === 'GET' && url.pathname === '/metrics') {
      drawGenerated();
      return send(res, 200, exposition(), 'text/plain; version=0.0.4; charset=utf-8');
    }
    if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, 'ok\n', 'text/plain');
    if (req.method === 'GET' && url.pathname === '/values') {
      return send(
        res,
        200,
        [...metrics].map(([name, m]) => ({ name, type: m.type, series: [...m.series.values()] })),
      );
    }
    if (
      (req.method === 'POST' || req.method === 'PUT') &&
      (url.pathname === '/set' || url.pathname === '/inc')
    ) {
      const op = url.pathname.slice(1);
      const body = await readBody(req);
      let input;
      if (body.trim()) {
        const j = JSON.parse(body);
        input = {
          name: j.name,
          labels: parseLabels(j.labels),
          value: parseValue(j.value, op === 'inc' ? 1 : undefined),
          type: j.type,
          help: j.help,
        };
      } else {
        const q = url.searchParams;
        input = {
          name: q.get('name'),
          labels: parseLabels(q.get('labels')),
          value: parseValue(q.get('value') ?? undefined, op === 'inc' ? 1 : undefined),
          type: q.get('type') ?? undefined,
          help: q.get('help') ?? undefined,
        };
      }
      const value = apply(op, input);
      return send(res, 200, { name: input.name, labels: input.labels, value: fmtValue(value) });
    }
    const generated = await generatedRoute(req, url);
    if (generated) return send(res, 200, generated);
    if (req.method === 'DELETE' && url.pathname === '/metrics') {
      const name = url.searchParams.get('name');
      if (name) metrics.delete(name);
      else metrics.clear();
      save();
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/reset') {
      metrics.clear();
      spikes = [];
      save();
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  } catch (err) {
    return send(res, 400, { error: err.message });
  }
});

load();
// Idle connections stay open longer than any client keeps them (fetch: 4 s), so the client always
// closes first: a request sent on a connection the server is closing fails with "other side closed".
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => {
  process.stdout.write(`exporter listening on http://${host}:${port}\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
