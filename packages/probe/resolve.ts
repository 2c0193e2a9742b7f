// From the smoke-test's validated inputs to a gate: the checks (from url, checks or checks-file,
// with the inline inputs as their defaults), the CA file, and the gate validated once.
import {
  FILE_READ_LIMIT,
  InputError,
  readWorkspaceFile,
  stripUrlCredentials,
  type InputProblem,
  type InputSource,
  type WorkspaceOptions,
} from '@hac/toolkit';
import { checkDocument, checkItem, validateCheck } from './checks.js';
import { secretValues } from './http.js';
import {
  Inputs,
  SOURCE_INPUTS,
  URL_INPUT_FORM,
  readSmokeValues,
  readSourceValues,
  type SmokeValues,
  type SourceValues,
} from './inputs.js';
import type { Check, GateSpec } from './types.js';
import { validateGate, type ValidGate } from './validate.js';

export interface SmokeInputs {
  /** Validated once, here: runGate sends it as it is. */
  gate: ValidGate;
  title: string;
  /** Values to mask: credentials and credential-like header values. */
  secrets: string[];
}

export interface SmokeWhere {
  /** The workspace: file inputs resolve inside it (default GITHUB_WORKSPACE, then the working directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

type Add = (input: string, value: string, expected: string) => void;
type Defaults = Omit<Check, 'url'>;

/** The per-check fields the inline inputs set (defaults for the checks of `checks`/`checks-file`). */
export function inlineExpectations(v: SourceValues): Defaults {
  const c: Defaults = {};
  const method = v[Inputs.Method];
  if (method) c.method = method.toUpperCase();
  if (Object.keys(v[Inputs.Headers]).length) c.headers = v[Inputs.Headers];
  if (v[Inputs.Body] !== undefined) c.body = v[Inputs.Body];
  if (v[Inputs.ExpectStatus]) c.expectStatus = v[Inputs.ExpectStatus];
  if (v[Inputs.Contains] !== undefined) c.contains = v[Inputs.Contains];
  if (v[Inputs.Regex] !== undefined) c.regex = v[Inputs.Regex];
  if (v[Inputs.JsonPath].length) c.json = v[Inputs.JsonPath];
  if (v[Inputs.MaxLatency] !== undefined) c.maxLatencyMs = v[Inputs.MaxLatency];
  c.timeoutMs = v[Inputs.Timeout];
  c.followRedirects = v[Inputs.FollowRedirects];
  return c;
}

/** A check with the inline inputs as defaults: what it sets itself wins, headers merge by name. */
export function withDefaults(defaults: Defaults, check: Check): Check {
  const headers = { ...defaults.headers, ...check.headers };
  const out: Check = { ...defaults, ...check, headers };
  if (Object.keys(headers).length === 0) delete out.headers;
  return out;
}

function fromUrls(urls: string[], defaults: Defaults, add: Add): Check[] {
  const checks: Check[] = [];
  for (const url of urls) {
    try {
      checks.push(validateCheck(withDefaults(defaults, { url }), 'url'));
    } catch (err) {
      add(Inputs.Url, url, `${URL_INPUT_FORM} (${(err as Error).message.replace(/^url: url: /, '')})`);
    }
  }
  return checks;
}

/** The checks of a YAML/JSON list, each validated as it will be sent; the first bad one is the problem. */
function fromList(name: string, text: string, shown: string, defaults: Defaults, add: Add): Check[] {
  const fromFile = name === Inputs.ChecksFile;
  try {
    const items = checkDocument(text, fromFile ? { fromFile, maxBytes: FILE_READ_LIMIT } : {});
    return items.map((item, i) => {
      const { check, where } = checkItem(item, i);
      return validateCheck(withDefaults(defaults, check), where);
    });
  } catch (err) {
    add(name, shown, `valid checks, but ${(err as Error).message}`);
    return [];
  }
}

/** A file input's text; never its content in an error, only the path and what was expected. */
function readFile(
  name: string,
  file: string,
  files: WorkspaceOptions,
  what: string,
  add: Add,
): string | undefined {
  try {
    return readWorkspaceFile(file, files).text;
  } catch (err) {
    add(name, file, `${what}: ${(err as Error).message}`);
    return undefined;
  }
}

function smokeChecks(v: SourceValues, files: WorkspaceOptions, add: Add): Check[] {
  const defaults = inlineExpectations(v);
  if (v[Inputs.Url].length > 0) return fromUrls(v[Inputs.Url], defaults, add);
  if (v[Inputs.Checks].trim() !== '')
    return fromList(Inputs.Checks, v[Inputs.Checks], v[Inputs.Checks].trim(), defaults, add);
  const file = v[Inputs.ChecksFile];
  const text = readFile(
    Inputs.ChecksFile,
    file,
    files,
    'a readable file with a YAML or JSON list of checks',
    add,
  );
  return text === undefined ? [] : fromList(Inputs.ChecksFile, text, file, defaults, add);
}

function caText(v: SourceValues, files: WorkspaceOptions, add: Add): string | undefined {
  const file = v[Inputs.CaFile];
  if (!file) return v[Inputs.Ca];
  const ca = readFile(Inputs.CaFile, file, files, 'a readable PEM file', add);
  if (ca !== undefined && !/-----BEGIN CERTIFICATE-----/.test(ca))
    add(Inputs.CaFile, file, 'a file of PEM certificates (-----BEGIN CERTIFICATE----- ...)');
  return ca;
}

/** The gate the values describe (validated by the caller). */
export function smokeGate(v: SmokeValues, checks: Check[], ca: string | undefined): GateSpec {
  const gate: GateSpec = {
    checks,
    waitMs: v[Inputs.WaitFor],
    intervalMs: v[Inputs.Interval],
    consecutive: v[Inputs.Consecutive],
  };
  const requests = v[Inputs.LoadRequests];
  if (requests > 0)
    gate.load = {
      requests,
      concurrency: Math.min(v[Inputs.LoadConcurrency], requests),
      maxP95Ms: v[Inputs.MaxP95],
      maxErrorRate: v[Inputs.MaxErrorRate],
    };
  if (v[Inputs.DistributionMatch] !== undefined || v[Inputs.DistributionRegex] !== undefined)
    gate.distribution = {
      match: v[Inputs.DistributionMatch],
      regex: v[Inputs.DistributionRegex],
      min: v[Inputs.DistributionMin],
      max: v[Inputs.DistributionMax],
      samples: v[Inputs.DistributionSamples],
    };
  if (ca || v[Inputs.Insecure]) gate.tls = ca ? { ca } : { insecure: true };
  if (v[Inputs.BearerToken]) gate.auth = { bearer: v[Inputs.BearerToken] };
  else if (v[Inputs.Username]) gate.auth = { username: v[Inputs.Username], password: v[Inputs.Password] };
  return gate;
}

/** The checks and the CA the values name, and the problems found reading them. */
function resolveSources(v: SourceValues, where: SmokeWhere) {
  const problems: InputProblem[] = [];
  const add: Add = (input, value, expected) =>
    problems.push({ input, value: stripUrlCredentials(value), expected: stripUrlCredentials(expected) });
  const allowOutside = v[Inputs.AllowOutsideWorkspace];
  const files: WorkspaceOptions = { root: where.cwd, env: where.env, allowOutside };
  const checks = smokeChecks(v, files, add);
  const ca = caText(v, files, add);
  return { checks, ca, problems };
}

/**
 * Resolves validated values: reads checks-file and ca-file, builds the checks (each validated
 * once, as it will be sent) and the gate. Throws one InputError listing every problem.
 */
export function resolveSmokeInputs(v: SmokeValues, where: SmokeWhere = {}): SmokeInputs {
  const { checks, ca, problems } = resolveSources(v, where);
  if (problems.length > 0) throw new InputError(problems);
  const gate = validateGate(smokeGate(v, checks, ca));
  return { gate, title: v[Inputs.Title], secrets: secretValues([...gate.checks], gate.auth) };
}

/**
 * When other inputs are invalid but the ones the checks and the CA come from read cleanly, the
 * problems of those checks and files join the same error: one error names every invalid input.
 */
function withSourceProblems(err: InputError, source: InputSource, where: SmokeWhere): InputError {
  const named = new Set(err.problems.map((p) => p.input));
  if (SOURCE_INPUTS.some((n) => named.has(n))) return err;
  let v: SourceValues;
  try {
    v = readSourceValues(source);
  } catch {
    return err;
  }
  const { problems } = resolveSources(v, where);
  return problems.length > 0 ? new InputError([...err.problems, ...problems]) : err;
}

/** Reads, validates and resolves every input; nothing is sent before this returns. */
export function readSmokeInputs(source: InputSource, where: SmokeWhere = {}): SmokeInputs {
  let values: SmokeValues;
  try {
    values = readSmokeValues(source);
  } catch (err) {
    throw err instanceof InputError ? withSourceProblems(err, source, where) : err;
  }
  return resolveSmokeInputs(values, where);
}
