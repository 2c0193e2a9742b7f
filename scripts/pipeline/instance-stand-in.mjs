#!/usr/bin/env node
// Plays the part of build-ami's temporary instance against the sandbox's EC2 API (moto), whose
// instances do not boot: when one is running, it "runs its user-data" and powers off, i.e. it is
// stopped, which is build-ami's completion signal (InstanceInitiatedShutdownBehavior=stop).
// Used by local pipeline runs and the repository's own workflow; never needed against real AWS.
//   node scripts/pipeline/instance-stand-in.mjs [--after 2] [--for 900]
import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const afterMs = arg('--after', 2) * 1000;
const untilMs = Date.now() + arg('--for', 900) * 1000;
const ec2 = new EC2Client({});
const seen = new Map();

async function tick() {
  const res = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: 'tag:hac:purpose', Values: ['build-ami*'] },
        { Name: 'instance-state-name', Values: ['running'] },
      ],
    }),
  );
  for (const r of res.Reservations ?? []) {
    for (const i of r.Instances ?? []) {
      const first = seen.get(i.InstanceId) ?? Date.now();
      seen.set(i.InstanceId, first);
      if (Date.now() - first >= afterMs) {
        await ec2.send(new StopInstancesCommand({ InstanceIds: [i.InstanceId] }));
        console.log(`instance stand-in: ${i.InstanceId} ran its user-data and powered off`);
      }
    }
  }
}

while (Date.now() < untilMs) {
  await tick().catch((err) => console.error(`instance stand-in: ${err.message}`));
  await new Promise((r) => setTimeout(r, 1000));
}
