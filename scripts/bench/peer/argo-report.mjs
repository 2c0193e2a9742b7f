// Markdown of the Argo Rollouts comparison; pure.
import { verbs } from './report.mjs';

const ms = (x) => `${Math.round(x)} ms`;

export function argoMarkdown(d) {
  const { argo, hac, idle } = d;
  return [
    `Command: \`npm run bench -- argo-rollouts\` (\`node scripts/bench/run.mjs argo-rollouts\`; rounds: \`HAC_BENCH_ARGO_ROUNDS\`, default 3), after \`nice -n 19 scripts/bench/build-argo-rollouts.sh\` has built rollouts-controller ${d.version} from its Go module into \`~/.cache/hac/bin\` (bench only).`,
    "The controller runs out of cluster (`--namespaced --leader-elect=false`) with its own ServiceAccount (all rights in its namespace); a second ServiceAccount patches the Rollout's image, as a CI job would. hac runs k8s-canary (main + post) with its deployer-Role ServiceAccount in a fresh namespace per round. Both: 4 replicas, steps 25 → 100, no pauses, no analysis, kwok pods.",
    `Time: from the start of the image change (Argo: \`kubectl patch rollout\`, ${ms(argo.patchMs)} of it being kubectl's own start and request; hac: its process start) to promoted (Argo: the Rollout Healthy on the new pod hash with 4 updated and available replicas, seen by a kubectl watch; hac: post step exited). ${d.rounds} interleaved rounds, medians.`,
    '',
    '| | new image → promoted | API requests | end state correct (kubectl) |',
    '| --- | ---: | --- | --- |',
    `| Argo Rollouts ${d.version} (controller) | ${ms(argo.wallMs)} | controller ${argo.controllerRequests}, patching identity ${argo.patcherRequests} | ${argo.correct ? 'yes' : 'NO'}${argo.atReturn ? '' : ' (after settling)'} |`,
    `| hac k8s-canary (main + post) | ${ms(hac.wallMs)} (${Math.round(hac.mainMs)} + ${Math.round(hac.postMs)}) | ${hac.requests} | ${hac.correct ? 'yes' : 'NO'} |`,
    '',
    `hac / Argo: ${(hac.wallMs / argo.wallMs).toFixed(2)}× time, ${(hac.requests / (argo.controllerRequests + argo.patcherRequests)).toFixed(2)}× requests.`,
    '',
    '**What each pays that the other does not.**',
    `- The controller is a process running all the time beside the cluster: idle over ${idle.windowMs / 1000} s it made ${idle.requests} API requests (${idle.perMinute.toFixed(1)}/min, besides its open watches), used ${Math.round(idle.cpuMs)} ms of CPU and held ${idle.rssMiB.toFixed(0)} MiB resident. It needs its CRDs installed cluster-wide and rights over every Rollout, ReplicaSet and Service it manages, and it is one more thing to upgrade and monitor. Its watches are already open when the image changes, so it reacts without a start-up.`,
    `- hac pays a Node start and a fresh connection per job (main and post: two process starts), and reads the state it needs (Deployment, Lease, recorded annotations) at every run, where the controller has it cached in its informers. Between runs it costs nothing and installs nothing in the cluster.`,
    '',
    `Controller requests by verb (last round): ${verbs(argo.verbs)}.`,
    `hac requests by verb (last round): ${verbs(hac.verbs)}.`,
  ].join('\n');
}
