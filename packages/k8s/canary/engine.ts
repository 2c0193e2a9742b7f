/**
 * The canary engine: deploy (steps with gates), promote and abort, driven from a CI job with
 * nothing installed in the cluster. Every decision it takes is recorded on the stable Deployment
 * (see state.ts), so a later job can promote or abort with no manifests.
 */
import {
  ActionError,
  errorMessage,
  sleep as realSleep,
  systemClock,
  withTimeout,
  type Clock,
  type Sleep,
} from '@hac/toolkit';
import type { GateReport, GateSpec } from '@hac/probe';
import type { KubeClient } from '../client.js';
import { isConflict } from '../errors.js';
import type { Deployment, KubeObject, Labels, Service } from '../objects.js';
import { waitForRollout } from '../rollout.js';
import { selectorString } from '../selector.js';
import {
  canaryDeployment,
  canaryName,
  canaryService,
  mainImage,
  promotedTemplate,
  versionOf,
  hacLabels,
} from './build.js';
import { LeaseLock, decideLease, leaseName, releaseLease, type Lease } from '../lease.js';
import { handoverError } from '../handover.js';
import { dryRunAll, preflightError, type PlannedWrite } from '../preflight.js';
import { checkPermissions } from '../permissions.js';
import { canaryPermissions } from './permissions.js';
import { runMetrics, queryPrometheus, renderQuery, type MetricResult, type MetricSpec } from './metrics.js';
import { planReplicas, type Hpa, type ReplicaPlan } from './replicas.js';
import {
  canaryIngress,
  currentRouteWeight,
  ingressUsesService,
  pinnedSelector,
  rulesForService,
  weightedRules,
  type RouteMethod,
} from './routes.js';
import {
  PREVIOUS_ANNOTATION,
  isActive,
  readRecord,
  recordPatch,
  type CanaryRecord,
  type Phase,
} from './state.js';

export type CanaryAction = 'deploy' | 'promote' | 'abort';
export type Verdict = 'promoted' | 'paused' | 'rolled-back' | 'aborted' | 'initial' | 'planned';

export interface CanaryOptions {
  action: CanaryAction;
  /** The stable Deployment's name (from the manifests or `app`). */
  name: string;
  /** deploy: the objects to deploy (images already substituted); exactly one Deployment. */
  objects?: KubeObject[];
  steps: number[];
  /** Pause after each step before its gates (steps - 1 values; the last step has none). */
  pauses: number[];
  route: RouteMethod;
  surge?: number;
  service?: string;
  httpRoute?: string;
  ingress?: string;
  canaryGate?: GateSpec;
  stableGate?: GateSpec;
  metrics: MetricSpec[];
  prometheus?: { url: string; headers?: Record<string, string> };
  /** How long one rollout (canary scale, stable promotion) may take. */
  timeoutMs: number;
  lockWaitMs?: number;
  dryRun: boolean;
  runId: string;
}

export interface StepRecord {
  step: number;
  weight: number;
  stable: number;
  canary: number;
  actual: number;
  gates: string;
  passed: boolean;
  ms: number;
}

export interface PlanRow {
  weight: number;
  stable: number;
  canary: number;
  actual: number;
  note?: string;
}

export interface CanaryResult {
  action: CanaryAction;
  verdict: Verdict;
  phase?: Phase;
  name: string;
  version: string;
  previousVersion: string;
  image: string;
  previousImage: string;
  /** The canary's traffic weight at the end (percent; 0 after promote/abort). */
  weight: number;
  reason?: string;
  timeline: StepRecord[];
  plan: PlanRow[];
  /** Dry run: what would be written. */
  objects: string[];
  routeDiff?: string;
  gateReports: { step: number; label: string; report: GateReport }[];
  metricResults: { step: number; results: MetricResult[] }[];
  warnings: string[];
}

export interface CanaryDeps {
  client: KubeClient;
  runGate: (spec: GateSpec, deps: { signal?: AbortSignal }) => Promise<GateReport>;
  log?: (line: string) => void;
  sleep?: Sleep;
  clock?: Clock;
  /** Called once the first write is about to happen (the post step must then restore on failure). */
  onWrite?: (rec: { namespace: string; name: string; runId: string }) => void;
}

/** A gate, metric or rollout failure that rolled the canary back. */
export class CanaryFailed extends ActionError {
  constructor(
    message: string,
    readonly result: CanaryResult,
  ) {
    super(
      message,
      'The canary was rolled back and stable serves all traffic. Look at the gate results in the job summary, fix the release, and run the canary again.',
    );
    this.name = 'CanaryFailed';
  }
}

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };
const HTTPROUTE = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' };
const INGRESS = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' };

function now(clock: Clock): string {
  return new Date(clock()).toISOString();
}

function emptyResult(o: CanaryOptions): CanaryResult {
  return {
    action: o.action,
    verdict: 'planned',
    name: o.name,
    version: '',
    previousVersion: '',
    image: '',
    previousImage: '',
    weight: 0,
    timeline: [],
    plan: [],
    objects: [],
    gateReports: [],
    metricResults: [],
    warnings: [],
  };
}

/** Runs the requested action under the app's Lease. */
export async function runCanary(o: CanaryOptions, deps: CanaryDeps): Promise<CanaryResult> {
  const run = new Run(o, deps);
  return run.main();
}

class Run {
  readonly c: KubeClient;
  readonly log: (line: string) => void;
  readonly sleep: Sleep;
  readonly clock: Clock;
  readonly result: CanaryResult;
  rec?: CanaryRecord;
  hpa?: Hpa;
  lease?: LeaseLock;

  constructor(
    readonly o: CanaryOptions,
    readonly deps: CanaryDeps,
  ) {
    this.c = deps.client;
    this.log = deps.log ?? (() => undefined);
    this.sleep = deps.sleep ?? realSleep;
    this.clock = deps.clock ?? systemClock;
    this.result = emptyResult(o);
  }

  async main(): Promise<CanaryResult> {
    // Read-only checks first: a request that cannot succeed must not even touch the lock Lease.
    await this.precheck();
    let write: (() => Promise<CanaryResult>) | undefined;
    let known: Lease | null | undefined;
    if (this.o.action === 'deploy') {
      // deploy: every read and every dry run happen before the Lease, so a bad manifest or a
      // missing object writes nothing at all. The Lease is read first: if anyone takes it before
      // ours, its resourceVersion changes, acquire reports contention, and the plan is made again.
      if (!this.o.dryRun) known = (await this.c.find<Lease>(this.leaseRef())) ?? null;
      write = await this.prepareDeploy(known);
      if (this.o.dryRun) return this.result;
    }
    if (!this.o.dryRun) {
      this.lease = new LeaseLock(this.c, {
        name: leaseName(this.o.name),
        holder: this.o.runId,
        sleep: this.sleep,
        onWait: (holder) => this.log(`Waiting for Lease ${leaseName(this.o.name)} held by ${holder}`),
      });
      const { contended } = await this.lease.acquire(this.o.lockWaitMs ?? 300_000, known);
      // Renewed while the run works: a long pause must not let the Lease expire under it.
      this.lease.startRenewing((err) => this.log(`Lease renewal failed: ${errorMessage(err)}`));
      if (this.o.action === 'deploy' && (contended || !write)) {
        try {
          write = await this.prepareDeploy();
        } catch (err) {
          await this.releaseLease().catch(() => undefined);
          throw err;
        }
      }
    }
    try {
      if (write) return await write();
      if (this.o.action === 'promote') return await this.promoteLater();
      return await this.abortLater();
    } finally {
      await this.releaseLease().catch((err) =>
        this.log(`Could not release the lock Lease: ${errorMessage(err)}`),
      );
    }
  }

  leaseRef() {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: leaseName(this.o.name) };
  }

  /** Frees the Lease; after cancellation with a fresh signal, so the next run need not wait for expiry. */
  async releaseLease(): Promise<void> {
    if (!this.lease) return;
    if (!this.c.signal?.aborted) return this.lease.release();
    this.lease.stopRenewing();
    const c = this.c.withSignal(withTimeout(undefined, 15_000, 'lease release'));
    await releaseLease(c, leaseName(this.o.name), this.o.runId);
  }

  // ------------------------------------------------------------------ reads

  async checkMetrics(): Promise<void> {
    if (this.o.metrics.length > 0 && this.o.prometheus) {
      // One read-only query each: a PromQL syntax error or an unreachable Prometheus fails here, not mid-canary.
      for (const m of this.o.metrics) {
        try {
          await queryPrometheus(renderQuery(m.query, this.vars()), {
            ...this.o.prometheus,
            signal: this.c.signal,
            sleep: this.sleep,
          });
        } catch (err) {
          throw new ActionError(
            `Metric "${m.name}": ${errorMessage(err)}. Nothing was changed.`,
            'Fix the query in the metrics input (try it in the Prometheus UI), or the prometheus-url input.',
          );
        }
      }
    }
  }

  async precheck(): Promise<void> {
    if (this.o.action !== 'deploy') {
      const rec = await this.recorded(this.o.action);
      await checkPermissions(this.c, canaryPermissions(rec.route, this.o.action));
      return;
    }
    const next = this.o.objects?.find((x) => x.kind === 'Deployment') as Deployment | undefined;
    // Every permission the run will use, named at once, before the Lease and the first write.
    await checkPermissions(
      this.c,
      canaryPermissions(
        this.o.route,
        'deploy',
        (this.o.objects ?? []).filter((x) => x !== next),
      ),
    );
    this.result.version = versionOf(next?.spec.template);
    await this.checkMetrics();
    if (this.o.route === 'replicas') return;
    const svc =
      this.o.service ??
      (this.o.objects?.find((x) => x.kind === 'Service')?.metadata.name as string | undefined) ??
      this.o.name;
    const probe = { stableService: svc } as CanaryRecord;
    const saved = this.result.routeDiff;
    await this.checkRoute(probe);
    this.result.routeDiff = saved;
  }

  async stable(): Promise<Deployment | undefined> {
    return this.c.find<Deployment>({ ...DEPLOYMENT, name: this.o.name });
  }

  async findHpa(name: string): Promise<Hpa | undefined> {
    const list = await this.c.list<
      KubeObject & {
        spec: { scaleTargetRef: { kind: string; name: string }; minReplicas?: number; maxReplicas: number };
      }
    >('autoscaling/v2', 'HorizontalPodAutoscaler');
    const h = list.items.find(
      (x) => x.spec.scaleTargetRef.kind === 'Deployment' && x.spec.scaleTargetRef.name === name,
    );
    return h
      ? {
          name: h.metadata.name as string,
          minReplicas: h.spec.minReplicas ?? 1,
          maxReplicas: h.spec.maxReplicas,
        }
      : undefined;
  }

  /** The pod-template-hash of the stable Deployment's current ReplicaSet. */
  async stableHash(stable: Deployment): Promise<string | undefined> {
    const rev = stable.metadata.annotations?.['deployment.kubernetes.io/revision'];
    const sel = selectorString(stable.spec.selector?.matchLabels ?? {});
    const rs = await this.c.list<KubeObject>('apps/v1', 'ReplicaSet', { labelSelector: sel });
    const own = rs.items.filter((r) =>
      (r.metadata.ownerReferences as { uid: string }[] | undefined)?.some(
        (x) => x.uid === stable.metadata.uid,
      ),
    );
    const current =
      own.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === rev) ?? own[0];
    return current?.metadata.labels?.['pod-template-hash'];
  }

  // ------------------------------------------------------------------ deploy

  /**
   * deploy, read-only part: reads the live state, plans, and dry-runs every write. Returns the
   * write part (run under the Lease). Safe to call again: it starts from a clean result.
   * `running`: the Lease as read before; when another run holds it and the app's canary is in
   * progress, returns undefined (plan again once the Lease is ours) instead of failing.
   */
  async prepareDeploy(running?: Lease | null): Promise<(() => Promise<CanaryResult>) | undefined> {
    const o = this.o;
    const r = this.result;
    Object.assign(r, { ...emptyResult(o), version: r.version });
    const objects = o.objects ?? [];
    const next = objects.find((x) => x.kind === 'Deployment') as Deployment;
    const others = objects.filter((x) => x !== next);
    const svcName = others.find((x) => x.kind === 'Service')?.metadata.name ?? o.service ?? o.name;
    const [stable, service] = await Promise.all([
      this.stable(),
      this.c.find<KubeObject>({ apiVersion: 'v1', kind: 'Service', name: svcName }),
    ]);
    r.image = mainImage(next);
    r.version = versionOf(next.spec.template);
    // Before any write, also the first release's: the other strategy's live Service is not ours.
    const other = handoverError(o.name, 'canary', service ? { live: service } : {});
    if (other) throw other;

    if (!stable) return this.initial(next, others);

    const prior = readRecord(stable);
    if (isActive(prior)) {
      if (running && decideLease(running, o.runId, this.clock()).action === 'wait') return undefined;
      throw new ActionError(
        `A canary of Deployment ${o.name} is already in progress (run ${prior!.runId}, phase ${prior!.phase}, ${prior!.weight}% of traffic).`,
        'Promote or abort it first: run this action with action: promote or action: abort.',
      );
    }
    r.previousImage = mainImage(stable);
    r.previousVersion = versionOf(stable.spec.template);
    this.hpa = await this.findHpa(o.name);
    const base = Math.max(1, stable.spec.replicas ?? 1);
    r.plan = this.planSteps(base, stable.spec.replicas ?? base);
    const cName = canaryName(o.name);
    const first = r.plan[0] as PlanRow;
    const canary = canaryDeployment(next, {
      name: cName,
      namespace: this.c.namespace,
      replicas: first.canary,
    });

    const rec: CanaryRecord = {
      runId: o.runId,
      phase: 'progressing',
      route: o.route,
      stable: o.name,
      canary: cName,
      baseReplicas: base,
      weight: 0,
      step: -1,
      steps: o.steps,
      image: r.image,
      previousImage: r.previousImage,
      version: r.version,
      previousVersion: r.previousVersion,
      startedAt: now(this.clock),
      updatedAt: now(this.clock),
    };
    if (this.hpa) rec.hpa = this.hpa.name;

    // Routed methods: the stable Service, the canary Service and the route object.
    let stableSvc: Service | undefined;
    let cSvc: Service | undefined;
    let hash: string | undefined;
    if (o.route !== 'replicas') {
      const svcName =
        o.service ??
        (others.find((x) => x.kind === 'Service')?.metadata.name as string | undefined) ??
        o.name;
      stableSvc = await this.c.find<Service>({ apiVersion: 'v1', kind: 'Service', name: svcName });
      if (!stableSvc) {
        throw new ActionError(
          `Service ${svcName} (the stable Service for route ${o.route}) does not exist in namespace ${this.c.namespace}.`,
          'Set the service input to the Service your route sends traffic to.',
        );
      }
      hash = await this.stableHash(stable);
      rec.stableService = svcName;
      rec.canaryService = `${svcName}-canary`;
      rec.stableSelector = stableSvc.spec.selector ?? {};
      cSvc = canaryService(stableSvc, {
        name: rec.canaryService,
        stableName: o.name,
        selector: stableSvc.spec.selector ?? {},
      });
      await this.checkRoute(rec);
    }

    // Preflight: every write, dry-run, before the first real one. Metric queries are run once.
    this.preflightList(canary, others, cSvc, rec);
    await this.preflight(stable, canary, others, cSvc, rec, hash);
    r.verdict = 'planned';
    return () => this.writeDeploy({ rec, canary, others, stableSvc, cSvc, hash });
  }

  /** deploy, under the Lease: the canary's writes, steps and promotion; a failure rolls back. */
  async writeDeploy(p: {
    rec: CanaryRecord;
    canary: Deployment;
    others: KubeObject[];
    stableSvc?: Service;
    cSvc?: Service;
    hash?: string;
  }): Promise<CanaryResult> {
    const o = this.o;
    const r = this.result;
    const { rec, canary, others, stableSvc, cSvc, hash } = p;
    // From here on, a failure rolls back.
    this.deps.onWrite?.({ namespace: this.c.namespace, name: o.name, runId: o.runId });
    this.rec = rec;
    await this.saveRecord({});
    try {
      for (const obj of others) await this.c.apply(obj);
      if (stableSvc && cSvc) {
        await this.c.apply(cSvc);
        await this.c.mergePatch(
          { apiVersion: 'v1', kind: 'Service', name: stableSvc.metadata.name as string },
          { spec: { selector: pinnedSelector(rec.stableSelector ?? {}, hash) } },
        );
      }
      await this.c.apply(canary);
      for (let i = 0; i < o.steps.length; i++) {
        await this.step(i);
      }
      const last = o.steps[o.steps.length - 1];
      if (last === 100) {
        await this.promote();
        r.verdict = 'promoted';
      } else {
        await this.saveRecord({ phase: 'paused' });
        r.verdict = 'paused';
        r.phase = 'paused';
        r.weight = last as number;
      }
      return r;
    } catch (err) {
      const reason = errorMessage(err);
      r.reason = reason;
      this.log(`Rolling back: ${reason}`);
      await this.abort(
        reason,
        this.c.signal?.aborted ? this.c.withSignal(withTimeout(undefined, 120_000, 'rollback')) : this.c,
      );
      r.verdict = 'rolled-back';
      throw new CanaryFailed(`Canary of ${o.name} rolled back: ${reason}`, r);
    }
  }

  /** No stable Deployment yet: the first release goes out as stable directly (nothing to compare with). */
  async initial(next: Deployment, others: KubeObject[]): Promise<() => Promise<CanaryResult>> {
    const r = this.result;
    await dryRunAll(
      this.c,
      [...others, next].map((object) => ({ op: 'apply', object })),
    );
    for (const obj of [...others, next]) r.objects.push(`apply ${obj.kind}/${obj.metadata.name}`);
    const n = next.spec.replicas ?? 1;
    r.plan = [
      { weight: 100, stable: n, canary: 0, actual: 100, note: 'first release: no stable to compare with' },
    ];
    return async () => {
      this.deps.onWrite?.({ namespace: this.c.namespace, name: this.o.name, runId: this.o.runId });
      for (const obj of others) await this.c.apply(obj);
      await this.c.apply(next);
      await waitForRollout(this.c, this.o.name, { timeoutMs: this.o.timeoutMs, sleep: this.sleep });
      r.verdict = 'initial';
      r.weight = 100;
      return r;
    };
  }

  planSteps(base: number, stableCurrent: number): PlanRow[] {
    return this.o.steps.map((weight) => {
      if (this.o.route === 'replicas') {
        const p: ReplicaPlan = planReplicas({
          weight,
          base,
          surge: this.o.surge,
          hpa: this.hpa,
          stableCurrent,
        });
        return { weight, ...p };
      }
      const canary = Math.max(1, Math.ceil((base * weight) / 100));
      return { weight, stable: this.hpa ? stableCurrent : base, canary, actual: weight };
    });
  }

  async checkRoute(rec: CanaryRecord): Promise<void> {
    const o = this.o;
    if (o.route === 'gateway-api') {
      if (!o.httpRoute)
        throw new ActionError(
          'route: gateway-api needs the http-route input (the HTTPRoute to weight).',
          'Set http-route to the name of the HTTPRoute that sends traffic to the stable Service.',
        );
      const hr = await this.c.find<KubeObject>({ ...HTTPROUTE, name: o.httpRoute });
      if (!hr)
        throw new ActionError(
          `HTTPRoute ${o.httpRoute} does not exist in namespace ${this.c.namespace}.`,
          'Create the HTTPRoute first, or fix the http-route input.',
        );
      const rules = ((hr.spec as { rules?: [] })?.rules ?? []) as [];
      if (rulesForService(rules, rec.stableService as string) === 0) {
        throw new ActionError(
          `HTTPRoute ${o.httpRoute} has no backendRef to Service ${rec.stableService}.`,
          'Point the route at the stable Service, or set the service input to the Service it uses.',
        );
      }
      rec.httpRoute = o.httpRoute;
      this.result.routeDiff = `HTTPRoute ${o.httpRoute}: backendRefs ${rec.stableService}=100 -> ${o.steps.map((w) => `${rec.stableService}=${100 - w}/${rec.canaryService}=${w}`).join(' -> ')} -> reset`;
    } else if (o.route === 'ingress-nginx') {
      if (!o.ingress)
        throw new ActionError(
          'route: ingress-nginx needs the ingress input (the stable Ingress to copy).',
          'Set ingress to the name of the Ingress that sends traffic to the stable Service.',
        );
      const ing = await this.c.find<KubeObject>({ ...INGRESS, name: o.ingress });
      if (!ing)
        throw new ActionError(
          `Ingress ${o.ingress} does not exist in namespace ${this.c.namespace}.`,
          'Create the Ingress first, or fix the ingress input.',
        );
      if (!ingressUsesService(ing, rec.stableService as string)) {
        throw new ActionError(
          `Ingress ${o.ingress} sends no path to Service ${rec.stableService}.`,
          'Point the Ingress at the stable Service, or set the service input to the Service it uses.',
        );
      }
      rec.ingress = o.ingress;
      rec.canaryIngress = `${o.ingress}-canary`;
      this.result.routeDiff = `Ingress ${rec.canaryIngress} (copy of ${o.ingress}, backend ${rec.canaryService}): canary-weight ${o.steps.join(' -> ')} -> deleted`;
    }
  }

  preflightList(
    canary: Deployment,
    others: KubeObject[],
    cSvc: Service | undefined,
    rec: CanaryRecord,
  ): void {
    const r = this.result;
    for (const obj of others) r.objects.push(`apply ${obj.kind}/${obj.metadata.name}`);
    if (cSvc)
      r.objects.push(
        `apply Service/${cSvc.metadata.name} (canary)`,
        `patch Service/${rec.stableService} selector += pod-template-hash (pinned to stable pods)`,
      );
    r.objects.push(`apply Deployment/${canary.metadata.name} (canary, ${canary.spec.replicas} replicas)`);
    if (this.o.route === 'replicas')
      r.objects.push(
        `scale Deployment/${this.o.name} per step${this.hpa ? ` (HPA ${this.hpa.name} owns its size)` : ''}`,
      );
    if (rec.httpRoute) r.objects.push(`patch HTTPRoute/${rec.httpRoute} backendRefs weights`);
    if (rec.canaryIngress) r.objects.push(`apply Ingress/${rec.canaryIngress} (canary-weight)`);
    r.objects.push(`annotate Deployment/${this.o.name} hac.dev/canary (state)`);
  }

  async preflight(
    stable: Deployment,
    canary: Deployment,
    others: KubeObject[],
    cSvc: Service | undefined,
    rec: CanaryRecord,
    hash: string | undefined,
  ): Promise<void> {
    const dry = { dryRun: true };
    const writes: PlannedWrite[] = [
      ...others.map((object): PlannedWrite => ({ op: 'apply', object })),
      { op: 'apply', object: canary },
      {
        op: 'patch',
        ref: { ...DEPLOYMENT, name: this.o.name },
        patch: recordPatch(rec, stable.metadata.resourceVersion),
      },
    ];
    if (cSvc) {
      writes.push(
        { op: 'apply', object: cSvc },
        {
          op: 'patch',
          ref: { apiVersion: 'v1', kind: 'Service', name: rec.stableService as string },
          patch: { spec: { selector: pinnedSelector(rec.stableSelector ?? {}, hash) } },
        },
      );
    }
    await dryRunAll(this.c, writes);
    const first = this.o.steps[0] as number;
    try {
      if (rec.httpRoute) await this.setRoute(first, dry);
    } catch (err) {
      throw preflightError(
        { op: 'patch', ref: { ...HTTPROUTE, name: rec.httpRoute as string }, patch: {} },
        err,
        this.c.namespace,
      );
    }
    try {
      if (rec.canaryIngress) await this.setIngress(first, rec, dry);
    } catch (err) {
      throw preflightError(
        { op: 'patch', ref: { ...INGRESS, name: rec.canaryIngress as string }, patch: {} },
        err,
        this.c.namespace,
      );
    }
  }

  vars(): Record<string, string> {
    return {
      namespace: this.c.namespace,
      app: this.o.name,
      stable: this.o.name,
      canary: canaryName(this.o.name),
      version: this.result.version,
    };
  }

  // ------------------------------------------------------------------ steps

  async step(i: number): Promise<void> {
    const o = this.o;
    const r = this.result;
    const started = this.clock();
    const weight = o.steps[i] as number;
    const p = r.plan[i] as PlanRow;
    this.log(
      `Step ${i + 1}/${o.steps.length}: ${weight}% (stable ${p.stable}, canary ${p.canary}, actual ${p.actual}%)`,
    );
    await this.scaleCanary(p.canary);
    if (o.route === 'replicas') {
      if (!this.hpa) await this.scaleStable(p.stable);
    } else if (o.route === 'gateway-api') {
      await this.setRoute(weight);
    } else {
      await this.setIngress(weight, this.rec as CanaryRecord);
    }
    r.weight = o.route === 'replicas' ? p.actual : weight;
    await this.saveRecord({ weight: r.weight, step: i });
    const pause = o.pauses[i] ?? 0;
    if (pause > 0) {
      this.log(`Pausing ${Math.round(pause / 1000)}s before the gates of step ${i + 1}`);
      await this.sleep(pause, this.c.signal);
    }
    const { passed, summary, reason } = await this.gates(i);
    r.timeline.push({
      step: i + 1,
      weight,
      stable: p.stable,
      canary: p.canary,
      actual: r.weight,
      gates: summary,
      passed,
      ms: this.clock() - started,
    });
    if (!passed) throw new Error(`step ${i + 1} (${weight}%): ${reason}`);
  }

  async scaleCanary(replicas: number): Promise<void> {
    const name = canaryName(this.o.name);
    await this.c.mergePatch({ ...DEPLOYMENT, name }, { spec: { replicas } });
    await waitForRollout(this.c, name, { timeoutMs: this.o.timeoutMs, sleep: this.sleep });
  }

  async scaleStable(replicas: number): Promise<void> {
    const d = await this.c.mergePatch<Deployment>(
      { ...DEPLOYMENT, name: this.o.name },
      { spec: { replicas } },
    );
    if ((d.status?.readyReplicas ?? 0) < replicas)
      await waitForRollout(this.c, this.o.name, { timeoutMs: this.o.timeoutMs, sleep: this.sleep });
  }

  /** Sets the HTTPRoute's weights (optimistic concurrency on resourceVersion; retried on conflict). */
  async setRoute(weight: number, opts: { dryRun?: boolean } = {}, c: KubeClient = this.c): Promise<void> {
    const rec = this.rec ?? { stableService: this.o.service, canaryService: '', httpRoute: this.o.httpRoute };
    const stableSvc = rec.stableService ?? this.o.name;
    const canarySvc = rec.canaryService || `${stableSvc}-canary`;
    const ref = { ...HTTPROUTE, name: rec.httpRoute as string };
    for (let attempt = 0; ; attempt++) {
      const hr = await c.get<KubeObject & { spec: { rules?: [] } }>(ref);
      const rules = weightedRules(hr.spec.rules ?? [], stableSvc, canarySvc, weight);
      try {
        await c.mergePatch(
          ref,
          { metadata: { resourceVersion: hr.metadata.resourceVersion }, spec: { rules } },
          opts,
        );
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
  }

  async setIngress(
    weight: number,
    rec: CanaryRecord,
    opts: { dryRun?: boolean } = {},
    c: KubeClient = this.c,
  ): Promise<void> {
    const stableIng = await c.get<KubeObject>({ ...INGRESS, name: rec.ingress as string });
    const obj = canaryIngress(stableIng, {
      name: rec.canaryIngress as string,
      stableService: rec.stableService as string,
      canaryService: rec.canaryService as string,
      weight,
      labels: hacLabels(this.o.name),
    });
    await c.apply(obj as KubeObject, opts);
  }

  async gates(i: number): Promise<{ passed: boolean; summary: string; reason?: string }> {
    const o = this.o;
    const parts: string[] = [];
    const reasons: string[] = [];
    for (const [label, spec] of [
      ['canary', o.canaryGate],
      ['stable', o.stableGate],
    ] as const) {
      if (!spec) continue;
      const report = await this.deps.runGate(spec, { signal: this.c.signal });
      this.result.gateReports.push({ step: i + 1, label, report });
      parts.push(`${label} checks ${report.passed ? 'passed' : 'FAILED'}`);
      if (!report.passed) reasons.push(`${label} smoke checks failed: ${report.reason ?? 'see the summary'}`);
    }
    if (o.metrics.length > 0 && o.prometheus) {
      const results = await runMetrics(o.metrics, this.vars(), {
        ...o.prometheus,
        signal: this.c.signal,
        sleep: this.sleep,
      });
      this.result.metricResults.push({ step: i + 1, results });
      for (const m of results) {
        parts.push(`${m.name}=${m.value === undefined ? 'n/a' : m.value} ${m.passed ? 'ok' : 'FAILED'}`);
        if (!m.passed) reasons.push(`metric ${m.name}: ${m.reason}`);
      }
    }
    return {
      passed: reasons.length === 0,
      summary: parts.join('; ') || 'no gates',
      reason: reasons.join('; '),
    };
  }

  async saveRecord(change: Partial<CanaryRecord>, c: KubeClient = this.c): Promise<void> {
    const rec = this.rec as CanaryRecord;
    Object.assign(rec, change, { updatedAt: now(this.clock) });
    await c.mergePatch({ ...DEPLOYMENT, name: rec.stable }, recordPatch(rec));
  }

  // ------------------------------------------------------------------ promote and abort

  /** Stable takes the canary's pod template (rolling update, waited for); then the canary goes. */
  async promote(): Promise<void> {
    const rec = this.rec as CanaryRecord;
    const r = this.result;
    await this.saveRecord({ phase: 'promoting' });
    const canary = await this.c.get<Deployment>({ ...DEPLOYMENT, name: rec.canary });
    if (rec.route !== 'replicas') {
      // All traffic to the canary at full size, then unpin stable so its Service keeps ready pods
      // (stable's and the canary's) while stable rolls.
      await this.scaleCanary(rec.baseReplicas);
      if (rec.route === 'gateway-api') await this.setRoute(100);
      else await this.setIngress(100, rec);
      await this.c.mergePatch(
        { apiVersion: 'v1', kind: 'Service', name: rec.stableService as string },
        { spec: { selector: this.restoredSelector(rec) } },
      );
    }
    for (let attempt = 0; ; attempt++) {
      const stable = await this.c.get<Deployment>({ ...DEPLOYMENT, name: rec.stable });
      const { template, kept } = promotedTemplate(
        canary.spec.template,
        stable.spec.selector?.matchLabels ?? {},
      );
      if (attempt === 0 && kept.length > 0) {
        r.warnings.push(
          `Labels ${kept.join(', ')} are in stable's (immutable) selector, so the promoted pods keep stable's values for them.`,
        );
      }
      const previous = JSON.stringify(stable.spec.template);
      stable.metadata.annotations = {
        ...(stable.metadata.annotations ?? {}),
        [PREVIOUS_ANNOTATION]: previous,
      };
      stable.spec.template = template;
      if (!rec.hpa) stable.spec.replicas = rec.baseReplicas;
      try {
        await this.c.replace(stable);
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= 5) throw err;
      }
    }
    await waitForRollout(this.c, rec.stable, { timeoutMs: this.o.timeoutMs, sleep: this.sleep });
    await this.removeCanary(rec, this.c);
    await this.saveRecord({ phase: 'promoted', weight: 0 });
    r.phase = 'promoted';
    r.weight = 0;
    r.image = mainImage({ spec: { template: canary.spec.template } });
    r.version = versionOf(canary.spec.template);
  }

  restoredSelector(rec: CanaryRecord): Record<string, string | null> {
    const sel: Record<string, string | null> = { ...(rec.stableSelector ?? {}) };
    if (!('pod-template-hash' in sel)) sel['pod-template-hash'] = null;
    return sel;
  }

  /** Routes back to stable, the canary removed; stable restored to its size first. */
  async abort(reason: string, c: KubeClient): Promise<void> {
    const rec = this.rec as CanaryRecord;
    await this.saveRecord({ phase: 'aborting', reason }, c);
    if (rec.route === 'gateway-api' && rec.httpRoute) await this.setRoute(0, {}, c);
    if (rec.route === 'ingress-nginx' && rec.canaryIngress)
      await c.delete({ ...INGRESS, name: rec.canaryIngress });
    if (rec.route === 'replicas' && !rec.hpa) {
      const d = await c.mergePatch<Deployment>(
        { ...DEPLOYMENT, name: rec.stable },
        { spec: { replicas: rec.baseReplicas } },
      );
      if ((d.status?.readyReplicas ?? 0) < rec.baseReplicas)
        await waitForRollout(c, rec.stable, { timeoutMs: this.o.timeoutMs, sleep: this.sleep });
    }
    await this.removeCanary(rec, c);
    await this.saveRecord({ phase: 'aborted', weight: 0 }, c);
    this.result.phase = 'aborted';
    this.result.weight = 0;
  }

  async removeCanary(rec: CanaryRecord, c: KubeClient): Promise<void> {
    if (rec.route === 'gateway-api' && rec.httpRoute) {
      const hr = await c.get<KubeObject & { spec: { rules?: [] } }>({ ...HTTPROUTE, name: rec.httpRoute });
      if (
        currentRouteWeight(hr.spec.rules ?? [], rec.stableService as string, rec.canaryService as string) !==
        undefined
      )
        await this.setRoute(0, {}, c);
    }
    if (rec.canaryIngress) await c.delete({ ...INGRESS, name: rec.canaryIngress });
    await c.delete({ ...DEPLOYMENT, name: rec.canary });
    if (rec.stableService) {
      await c.mergePatch(
        { apiVersion: 'v1', kind: 'Service', name: rec.stableService },
        { spec: { selector: this.restoredSelector(rec) } },
      );
    }
    if (rec.canaryService) await c.delete({ apiVersion: 'v1', kind: 'Service', name: rec.canaryService });
  }

  // ------------------------------------------------------------------ later jobs

  async recorded(verb: string): Promise<CanaryRecord> {
    const stable = await this.stable();
    const rec = readRecord(stable);
    if (!stable || !rec || !isActive(rec)) {
      const what = !stable
        ? `Deployment ${this.o.name} does not exist`
        : rec
          ? `its last canary is already ${rec.phase}`
          : 'no canary was ever recorded on it';
      throw new ActionError(
        `Nothing to ${verb}: ${what} in namespace ${this.c.namespace}. Nothing was changed.`,
        `Run this action with action: deploy first; ${verb} acts on the canary a deploy left running.`,
      );
    }
    this.rec = rec;
    const r = this.result;
    r.image = rec.image;
    r.previousImage = rec.previousImage;
    r.version = rec.version ?? '';
    r.previousVersion = rec.previousVersion ?? '';
    r.weight = rec.weight;
    return rec;
  }

  async promoteLater(): Promise<CanaryResult> {
    const rec = await this.recorded('promote');
    const canary = await this.c.find<Deployment>({ ...DEPLOYMENT, name: rec.canary });
    if (!canary) {
      throw new ActionError(
        `Nothing to promote: the canary Deployment ${rec.canary} is gone. Nothing was changed.`,
        'Run action: abort to clear the record, then deploy again.',
      );
    }
    this.result.objects.push(
      `replace Deployment/${rec.stable} pod template with ${rec.canary}'s`,
      `delete Deployment/${rec.canary}`,
    );
    if (this.o.dryRun) return this.result;
    this.deps.onWrite?.({ namespace: this.c.namespace, name: this.o.name, runId: this.o.runId });
    try {
      await this.promote();
    } catch (err) {
      const reason = `promotion failed: ${errorMessage(err)}`;
      this.result.reason = reason;
      throw new ActionError(
        `Promotion of ${rec.stable} failed: ${errorMessage(err)}`,
        `The canary record is left in phase "promoting". Fix the cause and run action: promote again, or action: abort to return to the previous version.`,
      );
    }
    this.result.verdict = 'promoted';
    return this.result;
  }

  async abortLater(): Promise<CanaryResult> {
    const rec = await this.recorded('abort');
    this.result.objects.push(`route all traffic to ${rec.stable}`, `delete Deployment/${rec.canary}`);
    if (this.o.dryRun) return this.result;
    this.deps.onWrite?.({ namespace: this.c.namespace, name: this.o.name, runId: this.o.runId });
    if (rec.phase === 'promoting') {
      // Stable may already run the new template: take it back to the previous one.
      const stable = await this.c.get<Deployment>({ ...DEPLOYMENT, name: rec.stable });
      const prev = stable.metadata.annotations?.[PREVIOUS_ANNOTATION];
      if (prev && mainImage(stable) !== rec.previousImage) {
        stable.spec.template = JSON.parse(prev);
        await this.c.replace(stable);
        await waitForRollout(this.c, rec.stable, { timeoutMs: this.o.timeoutMs, sleep: this.sleep });
      }
    }
    await this.abort('aborted on request', this.c);
    this.result.verdict = 'aborted';
    this.result.reason = 'aborted on request';
    this.result.image = rec.previousImage;
    this.result.version = rec.previousVersion ?? '';
    return this.result;
  }
}

export { readRecord, isActive };
export type { Labels };
