// Benchmark of swap-eip against the sandbox's moto, through the built bundle as the runner runs it
// (inputs as INPUT_<NAME>, outputs in GITHUB_OUTPUT):
//   - EC2 API calls per swap, by action, counted by a logging proxy in front of moto (instance mode and launch mode);
//   - wall time of a whole swap (process start to exit) against moto;
//   - cold start of the bundle with inputs that fail at validation, interleaved with `node -e 0`;
//   - bundle sizes.
// Usage: node scripts/bench/swap-eip.mjs [distDir]   (or through npm run bench)
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { URLSearchParams, fileURLToPath } from 'node:url';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateLaunchTemplateCommand,
  DescribeImagesCommand,
  EC2Client,
  ReleaseAddressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { coldStart, median, runBundle, sandboxEnv } from './lib.mjs';

const SWAP_RUNS = Number(process.env.HAC_BENCH_SWAP_RUNS ?? 5);

/** A proxy in front of moto that records the EC2 Action of every request. */
async function countingProxy(target) {
  const upstream = new URL(target);
  const actions = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      actions.push(new URLSearchParams(body.toString('utf8')).get('Action') ?? `${req.method} ${req.url}`);
      const up = http.request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream.host },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    actions,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

/** Answers 200 on every path: stands in for the instances' and the Elastic IP's health endpoints. */
async function healthServer() {
  const server = http.createServer((_, res) => {
    res.writeHead(200, { connection: 'close' });
    res.end('ok');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))),
  };
}

const countBy = (xs) =>
  Object.fromEntries([...new Set(xs)].sort().map((a) => [a, xs.filter((x) => x === a).length]));

export async function run({ repoRoot, distDir = path.join(repoRoot, 'dist') } = {}) {
  const bundle = path.join(distDir, 'swap-eip', 'index.js');
  if (!fs.existsSync(bundle))
    throw new Error(`${bundle} does not exist; build it with node scripts/build.mjs ${distDir}`);
  const sb = sandboxEnv(repoRoot);
  const credentials = {
    accessKeyId: sb.AWS_ACCESS_KEY_ID || 'testing',
    secretAccessKey: sb.AWS_SECRET_ACCESS_KEY || 'testing',
  };
  const region = sb.AWS_REGION || 'us-east-1';
  const ec2 = new EC2Client({ region, endpoint: sb.AWS_ENDPOINT_URL, credentials });
  const proxy = await countingProxy(sb.AWS_ENDPOINT_URL);
  const health = await healthServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-eip-'));
  const made = { instances: [], addresses: [] };
  try {
    const ami = (
      await ec2.send(
        new DescribeImagesCommand({
          Owners: ['amazon'],
          Filters: [{ Name: 'root-device-type', Values: ['ebs'] }],
        }),
      )
    ).Images.find((i) => i.ImageId).ImageId;
    const launchOne = async () => {
      const i = (
        await ec2.send(
          new RunInstancesCommand({ ImageId: ami, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }),
        )
      ).Instances[0].InstanceId;
      made.instances.push(i);
      return i;
    };
    const lt = `hac-bench-eip-${process.pid}-${Date.now()}`;
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: lt,
        LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' },
      }),
    );

    const swapOnce = async (mode) => {
      const oldI = await launchOne();
      const a = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      made.addresses.push(a.AllocationId);
      await ec2.send(
        new AssociateAddressCommand({
          AllocationId: a.AllocationId,
          InstanceId: oldI,
          AllowReassociation: true,
        }),
      );
      const target =
        mode === 'instance'
          ? { 'INPUT_INSTANCE-ID': await launchOne() }
          : { 'INPUT_LAUNCH-TEMPLATE': lt, 'INPUT_AMI-ID': ami };
      const output = path.join(tmp, `out-${made.addresses.length}`);
      fs.writeFileSync(output, '');
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_REGION: region,
        AWS_ENDPOINT_URL: proxy.url,
        GITHUB_OUTPUT: output,
        GITHUB_STATE: path.join(tmp, 'state'),
        'INPUT_ALLOCATION-ID': a.AllocationId,
        'INPUT_HEALTH-URL': `${health.origin}/pre/{{instance-id}}?ip={{private-ip}}`,
        'INPUT_HEALTH-WAIT': '0',
        'INPUT_POST-SWAP-URL': `${health.origin}/post/{{eip}}`,
        'INPUT_POST-SWAP-WAIT': '0',
        INPUT_GRACE: '0',
        ...target,
      };
      const before = proxy.actions.length;
      const r = await runBundle(bundle, env);
      const calls = proxy.actions.slice(before);
      const outputs = fs.readFileSync(output, 'utf8');
      if (r.code !== 0 || !/result<<[^\n]*\nswapped/.test(outputs))
        throw new Error(`the ${mode} swap failed (exit ${r.code}):\n${r.out.slice(-2000)}`);
      const newI = /new-instance-id<<[^\n]*\n(i-[0-9a-f]+)/.exec(outputs)?.[1];
      if (mode === 'launch' && newI) made.instances.push(newI);
      return { ms: r.ms, calls };
    };

    const modes = {};
    for (const mode of ['instance', 'launch']) {
      const runs = [];
      for (let i = 0; i < SWAP_RUNS; i++) runs.push(await swapOnce(mode));
      modes[mode] = {
        wallMs: median(runs.map((r) => r.ms)),
        calls: runs[0].calls.length,
        byAction: countBy(runs[0].calls),
        sequence: runs[0].calls,
      };
    }
    const cold = coldStart(bundle);
    const dir = path.join(distDir, 'swap-eip');
    const files = fs
      .readdirSync(dir, { recursive: true })
      .filter((f) => String(f).endsWith('.js'))
      .map(String)
      .sort();
    const sizes = Object.fromEntries(files.map((f) => [f, fs.statSync(path.join(dir, f)).size]));
    const total = Object.values(sizes).reduce((n, s) => n + s, 0);

    const actions = [
      ...new Set([...Object.keys(modes.instance.byAction), ...Object.keys(modes.launch.byAction)]),
    ].sort();
    const markdown = [
      `The built bundle \`${path.relative(repoRoot, bundle) || bundle}\` run as the runner runs it, against the sandbox's moto, through a proxy that counts EC2 calls. Both gates enabled (one round each against a local server), \`grace: 0\`, \`old-instance: stop\`. Median of ${SWAP_RUNS} swaps per mode.`,
      '',
      '| EC2 action | instance mode | launch mode |',
      '| --- | ---: | ---: |',
      ...actions.map(
        (a) => `| ${a} | ${modes.instance.byAction[a] ?? 0} | ${modes.launch.byAction[a] ?? 0} |`,
      ),
      `| **total** | **${modes.instance.calls}** | **${modes.launch.calls}** |`,
      `| wall time per swap (process start to exit) | ${modes.instance.wallMs.toFixed(0)} ms | ${modes.launch.wallMs.toFixed(0)} ms |`,
      '',
      `The wall time includes the lock's settle delay (1.5 s between writing the \`hac:lock\` tag and reading it back). moto changes instance states at once, so the SDK waiters (15 s minimum poll delay) succeed on their first poll. Against EC2, the launch wait dominates.`,
      '',
      `Cold start (median of ${cold.runs} runs, inputs that fail at validation, interleaved with \`node -e 0\`, Node ${process.version}): **${cold.bundleMs.toFixed(1)} ms** vs ${cold.nodeMs.toFixed(1)} ms = **${cold.ratio.toFixed(2)}x**. The AWS SDK is in a separate chunk that is loaded only after the inputs are valid.`,
      '',
      `Bundle: ${Object.entries(sizes)
        .map(([f, s]) => `\`${f}\` ${s.toLocaleString('en')} B`)
        .join(', ')}; total ${total.toLocaleString('en')} B.`,
    ].join('\n');
    return {
      title: 'swap-eip: API calls, wall time, cold start, size',
      markdown,
      data: { modes, cold, sizes, totalBytes: total },
    };
  } finally {
    if (made.instances.length)
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: made.instances })).catch(() => undefined);
    for (const a of made.addresses)
      await ec2.send(new ReleaseAddressCommand({ AllocationId: a })).catch(() => undefined);
    await proxy.close();
    await health.close();
    ec2.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const distDir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  const r = await run({ repoRoot, distDir });
  console.log(`## ${r.title}\n\n${r.markdown}`);
}
