// The first phase of a build: choose the engine and check what only it limits, warn about inputs
// it ignores, check that every registry answers, then log in (recording each login for post).
import { InputError } from '@hac/toolkit';
import { engineProblems } from './inputs.js';
import type { BuildRequest, Engine } from './request.js';
import { resolveEngine } from './engine.js';
import { compatBuildahProblems } from './compat-args.js';
import { loginAll } from './login.js';
import { insecureRegistriesFromConf } from './registries-conf.js';
import { preflightRegistries, preflightTargets } from './registry-preflight.js';
import { State, type BuildDeps } from './build-context.js';

/** Inputs the chosen engine ignores (pure). */
export function engineWarnings(req: BuildRequest, engine: Engine): string[] {
  if (engine === 'buildah')
    return req.provenance !== undefined || req.sbom !== undefined
      ? ['provenance and sbom attestations need engine docker (buildx); buildah ignores them.']
      : [];
  return req.insecureRegistries.length > 0 || !req.tlsVerify
    ? [
        'insecure-registries and tls-verify apply to buildah; for docker configure the buildx builder (buildkitd.toml) or the daemon.',
      ]
    : [];
}

/** The engine, once its limits are checked (an InputError, before anything is built). */
async function chooseEngine(req: BuildRequest, deps: BuildDeps) {
  const { engine, reason } = await resolveEngine(req.engine, deps.exec, deps.env);
  const problems = [
    ...engineProblems(req, engine),
    ...(engine === 'buildah' ? compatBuildahProblems(req) : []),
  ];
  if (problems.length > 0) throw new InputError(problems);
  const warnings = [...req.notes, ...engineWarnings(req, engine)];
  for (const w of warnings) deps.log.warning(w);
  deps.log.info(`Engine: ${engine} (${reason})`);
  return { engine, reason, warnings };
}

export interface Preflight {
  engine: Engine;
  reason: string;
  warnings: string[];
  tlsFor: (registry: string) => boolean;
}

/** Engine, registries, logins: everything checked and prepared before the build starts. */
export async function preflight(req: BuildRequest, deps: BuildDeps): Promise<Preflight> {
  const { engine, reason, warnings } = await chooseEngine(req, deps);
  const confInsecure =
    engine === 'buildah' ? (deps.confInsecure ?? insecureRegistriesFromConf(deps.env)) : [];
  const tlsFor = (registry: string) =>
    req.tlsVerify && !req.insecureRegistries.includes(registry) && !confInsecure.includes(registry);
  await (deps.preflight ?? preflightRegistries)(req, { engine, tlsFor, signal: deps.signal });
  const checked = preflightTargets(req).map((t) => t.registry);
  if (checked.length > 0) deps.log.info(`Registries answered: ${checked.join(', ')}`);
  deps.state.save(State.engine, engine);
  deps.state.save(State.logout, req.logout);
  const loggedIn: string[] = [];
  await loginAll(engine, req.logins, {
    exec: deps.exec,
    env: deps.env,
    ecrToken: deps.ecrToken,
    mask: deps.mask,
    info: deps.log.info,
    tlsVerify: tlsFor,
    loggedIn: (r) => {
      loggedIn.push(r);
      deps.state.save(State.logins, loggedIn);
    },
  });
  return { engine, reason, warnings, tlsFor };
}
