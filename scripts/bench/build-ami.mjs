// Benchmark of build-ami (native engine) against the sandbox's moto, through the built bundle as the
// runner runs it (inputs as INPUT_<NAME>, outputs in GITHUB_OUTPUT):
//   - EC2 API calls per build, by action, counted by a proxy in front of moto;
//   - wall time of a whole build (process start to exit);
//   - waiter polling: gaps between repeated Describe* polls when the instance stops 5 s late
//     (must be >= the SDK waiter's 15 s minimum delay);
//   - bundle size of build-ami (index.js, post.js);
//   - the calls of an SSM Run Command build (EC2 and SSM), and its wall time.
// moto's instances do not boot: for user-data builds the proxy plays the instance and stops it
// after RunInstances; SSM builds need no stand-in (the sandbox's moto reports them Online).
// Usage: node scripts/bench/build-ami.mjs [distDir]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  DeregisterImageCommand,
  DescribeImagesCommand,
  EC2Client,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { runBundle, sandboxEnv } from './lib.mjs';

const RUNS = Number(process.env.HAC_BENCH_BUILD_AMI_RUNS ?? 3);

/** Records every Action with its time; after RunInstances returns, stops the instance (after `stopDelayMs`). */
async function instanceProxy(target, ec2, stopDelayMs) {
  const upstream = new URL(target);
  const log = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = req.headers['x-amz-target'];
      const action =
        typeof target === 'string'
          ? `SSM ${target.split('.').pop()}`
          : (new URLSearchParams(body.toString('utf8')).get('Action') ?? `${req.method} ${req.url}`);
      const dryRun = /(^|&)DryRun=true/.test(body.toString('utf8'));
      log.push({ action, at: Date.now(), dryRun });
      const up = http.request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream.host },
        },
        (r) => {
          const out = [];
          r.on('data', (c) => out.push(c));
          r.on('end', async () => {
            const text = Buffer.concat(out).toString('utf8');
            if (action === 'RunInstances' && !dryRun && r.statusCode === 200 && stopDelayMs >= 0) {
              const id = /<instanceId>(i-[0-9a-f]+)<\/instanceId>/.exec(text)?.[1];
              const stop = () => ec2.send(new StopInstancesCommand({ InstanceIds: [id] })).catch(() => {});
              if (id && stopDelayMs === 0) await stop();
              else if (id) setTimeout(stop, stopDelayMs);
            }
            res.writeHead(r.statusCode ?? 502, r.headers);
            res.end(Buffer.concat(out));
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    log,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

function bundleDir(repoRoot, distDir) {
  if (distDir && fs.existsSync(path.join(distDir, 'build-ami', 'index.js')))
    return path.join(distDir, 'build-ami');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-build-ami-'));
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), tmp], {
    encoding: 'utf8',
    cwd: repoRoot,
  });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  return path.join(tmp, 'build-ami');
}

export async function run({
  repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
  distDir,
} = {}) {
  const sb = sandboxEnv(repoRoot);
  const credentials = { accessKeyId: sb.AWS_ACCESS_KEY_ID, secretAccessKey: sb.AWS_SECRET_ACCESS_KEY };
  const region = sb.AWS_REGION || 'us-east-1';
  const ec2 = new EC2Client({ region, endpoint: sb.AWS_ENDPOINT_URL, credentials });
  const base = (
    await ec2.send(
      new DescribeImagesCommand({
        Owners: ['amazon'],
        Filters: [{ Name: 'root-device-type', Values: ['ebs'] }],
      }),
    )
  ).Images?.[0]?.ImageId;
  const dir = bundleDir(repoRoot, distDir);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-build-ami-run-'));

  async function build(label, stopDelayMs, inputs = { 'INPUT_USER-DATA': '#!/bin/bash\necho provision\n' }) {
    const proxy = await instanceProxy(sb.AWS_ENDPOINT_URL, ec2, stopDelayMs);
    const runId = `bench-${label}-${Date.now().toString(36)}`;
    const outFile = path.join(tmp, `${runId}.out`);
    fs.writeFileSync(outFile, '');
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: region,
      AWS_ENDPOINT_URL: proxy.url,
      GITHUB_OUTPUT: outFile,
      GITHUB_STATE: path.join(tmp, `${runId}.state`),
      INPUT_APP: 'bench',
      'INPUT_RUN-ID': runId,
      'INPUT_BASE-AMI': base,
      ...inputs,
      'INPUT_NAME-TEMPLATE': `{{app}}-${runId}`,
      INPUT_KEEP: '1',
      INPUT_FAMILY: 'bench-build-ami',
      INPUT_TIMEOUT: '2m',
    };
    const r = await runBundle(path.join(dir, 'index.js'), env);
    await proxy.close();
    if (r.code !== 0) throw new Error(`build-ami bundle failed (${r.code}): ${r.out.slice(-2000)}`);
    return { ms: Math.round(r.ms), log: proxy.log };
  }

  const builds = [];
  for (let i = 0; i < RUNS; i++) builds.push(await build(`b${i}`, 0));
  const delayed = await build('delayed', 5000);

  // SSM Run Command provisioning: an instance profile (moto checks that it exists), no stand-in.
  const iam = new IAMClient({ region, endpoint: sb.AWS_ENDPOINT_URL, credentials });
  const profile = `hac-bench-ssm-${Date.now().toString(36)}`;
  await iam.send(new CreateRoleCommand({ RoleName: profile, AssumeRolePolicyDocument: '{}' }));
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profile }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: profile }));
  iam.destroy();
  const ssmBuild = await build('ssm', -1, {
    'INPUT_IAM-INSTANCE-PROFILE': profile,
    'INPUT_SSM-COMMANDS': 'set -e\necho provision\n',
  });
  const ssmCounts = {};
  for (const c of ssmBuild.log) ssmCounts[c.action] = (ssmCounts[c.action] ?? 0) + 1;
  const ssmOnly = Object.entries(ssmCounts).filter(([a]) => a.startsWith('SSM '));
  const ssmCalls = ssmOnly.reduce((n, [, c]) => n + c, 0);

  const counts = {};
  for (const c of builds.at(-1).log) counts[c.action] = (counts[c.action] ?? 0) + 1;
  const total = builds.at(-1).log.length;
  const walls = builds.map((b) => b.ms).sort((a, b) => a - b);
  // The InstanceStopped waiter's polls: DescribeInstances between the real RunInstances and CreateImage.
  const launched = delayed.log.find((c) => c.action === 'RunInstances' && !c.dryRun)?.at ?? 0;
  const imaged = delayed.log.find((c) => c.action === 'CreateImage')?.at ?? Infinity;
  const waiterPolls = delayed.log.filter(
    (c) => c.action === 'DescribeInstances' && c.at >= launched && c.at <= imaged,
  );
  const gaps = waiterPolls.slice(1).map((c, i) => c.at - waiterPolls[i].at);
  const minGap = gaps.length ? Math.min(...gaps) : null;
  const sizes = Object.fromEntries(
    ['index.js', 'post.js'].map((f) => [f, fs.statSync(path.join(dir, f)).size]),
  );

  // Leave only the newest bench image (retention keeps 1), then remove it too.
  const left = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: 'tag:hac:family', Values: ['bench-build-ami'] }],
    }),
  );
  for (const img of left.Images ?? []) await ec2.send(new DeregisterImageCommand({ ImageId: img.ImageId }));
  ec2.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });

  const markdown = [
    `Native engine, bundle \`dist/build-ami/index.js\` run as the runner runs it, against moto through a counting proxy; keep: 1 (retention runs every build). moto's instances stop as soon as they launch (the proxy plays the instance).`,
    '',
    `- EC2 API calls per build: **${total}** (including 2 DryRun calls and retention; retention reads every launch template's versions: one DescribeLaunchTemplateVersions per launch template in the region: ${counts.DescribeLaunchTemplateVersions ?? 0} here, as many as the shared moto holds).`,
    `- Wall time per build (process start to exit, ${RUNS} runs): median **${walls[Math.floor(walls.length / 2)]} ms** (min ${walls[0]}, max ${walls.at(-1)}).`,
    `- Waiter schedule: with the instance stopping 5 s after launch, the InstanceStopped waiter polled ${waiterPolls.length} times; the smallest gap between its polls was **${minGap === null ? 'n/a' : `${(minGap / 1000).toFixed(1)} s`}** (SDK minimum 15 s). That build took ${(delayed.ms / 1000).toFixed(1)} s.`,
    `- Bundle: index.js ${sizes['index.js'].toLocaleString('en')} bytes, post.js ${sizes['post.js'].toLocaleString('en')} bytes.`,
    `- SSM Run Command build: **${ssmBuild.log.length - ssmCalls} EC2 + ${ssmCalls} SSM calls** (${ssmOnly.map(([a, n]) => `${a.slice(4)} ${n}`).join(', ')}), ${(ssmBuild.ms / 1000).toFixed(1)} s wall; SendCommand is sent once.`,
    '',
    '| EC2 action | calls per build |',
    '| --- | ---: |',
    ...Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([a, n]) => `| ${a} | ${n} |`),
  ].join('\n');
  return {
    title: 'build-ami: EC2 calls, wall time, waiter schedule, bundle size',
    markdown,
    data: {
      callsPerBuild: total,
      byAction: counts,
      wallMs: walls,
      waiterPolls: waiterPolls.length,
      minWaiterGapMs: minGap,
      delayedBuildMs: delayed.ms,
      ssm: { calls: ssmBuild.log.length, ssmCalls, byAction: ssmCounts, wallMs: ssmBuild.ms },
      bytes: sizes,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run({ distDir: process.argv[2] ? path.resolve(process.argv[2]) : undefined });
  process.stdout.write(`## ${r.title}\n\n${r.markdown}\n`);
}
