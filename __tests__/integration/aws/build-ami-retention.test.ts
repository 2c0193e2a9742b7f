// Retention against moto: keep the newest N of a family, skip images in use by an instance or by
// any launch template version, deregister the rest and delete their snapshots. Checked with an
// independent client.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  CreateImageCommand,
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { applyRetention, planRetention } from '../../../packages/aws/ami/retention.js';
import { createEc2Client } from '../../../packages/aws/client.js';
import { awsSandbox, motoBaseAmi, testRunId, type AwsSandbox } from '../../support/aws.js';

let sb: AwsSandbox;
let indep: EC2Client;
let base: string;
const toTerminate: string[] = [];
const templates: string[] = [];

beforeAll(async () => {
  sb = await awsSandbox();
  indep = sb.independent();
  base = (await motoBaseAmi(indep)).id;
});
afterAll(async () => {
  if (toTerminate.length) await indep.send(new TerminateInstancesCommand({ InstanceIds: toTerminate }));
  for (const id of templates) await indep.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id }));
  await sb.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function familyImage(family: string, i: number): Promise<{ id: string; snapshots: string[] }> {
  const run = await indep.send(
    new RunInstancesCommand({ ImageId: base, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }),
  );
  const instanceId = run.Instances?.[0]?.InstanceId as string;
  const img = await indep.send(
    new CreateImageCommand({
      InstanceId: instanceId,
      Name: `${family}-${i}`,
      TagSpecifications: [
        {
          ResourceType: 'image',
          Tags: [
            { Key: 'hac:family', Value: family },
            { Key: 'hac:purpose', Value: 'build-ami/image' },
          ],
        },
      ],
    }),
  );
  await indep.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
  const d = await indep.send(new DescribeImagesCommand({ ImageIds: [img.ImageId as string] }));
  return {
    id: img.ImageId as string,
    snapshots: (d.Images?.[0]?.BlockDeviceMappings ?? [])
      .map((m) => m.Ebs?.SnapshotId as string)
      .filter(Boolean),
  };
}

describe('retention', () => {
  test('keeps exactly N, skips images in use by an instance and by a launch template version, deletes snapshots', async () => {
    const family = testRunId('fam');
    const images: { id: string; snapshots: string[] }[] = [];
    for (let i = 0; i < 6; i++) {
      images.push(await familyImage(family, i));
      await sleep(1100); // CreationDate has one-second resolution
    }
    const [a, b, c, d, e, f] = images as [
      (typeof images)[0],
      (typeof images)[0],
      (typeof images)[0],
      (typeof images)[0],
      (typeof images)[0],
      (typeof images)[0],
    ];
    // a: used by a running instance; b: used by version 2 of a launch template (version 1 uses the base).
    const inst = await indep.send(
      new RunInstancesCommand({ ImageId: a.id, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }),
    );
    toTerminate.push(inst.Instances?.[0]?.InstanceId as string);
    const lt = await indep.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${family}-lt`,
        LaunchTemplateData: { ImageId: base },
      }),
    );
    templates.push(lt.LaunchTemplate?.LaunchTemplateId as string);
    await indep.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId,
        LaunchTemplateData: { ImageId: b.id },
      }),
    );

    const ec2 = createEc2Client({
      region: sb.region,
      endpoint: sb.proxy.url,
      credentials: sb.credentials,
      env: {},
    });
    sb.proxy.clearLog();
    // moto lists launch templates without NextToken, cut at MaxResults: ask for all of them in one page.
    const plan = await applyRetention(ec2, family, 2, [f.id], { pageSize: 5000 });
    ec2.destroy();

    expect(plan.kept).toEqual([f.id, e.id]);
    expect(plan.skipped).toEqual([
      { imageId: b.id, reason: expect.stringMatching(/launch template .* version 2/) },
      { imageId: a.id, reason: expect.stringMatching(/instance i-/) },
    ]);
    expect(plan.deregister.sort()).toEqual([c.id, d.id].sort());
    expect(sb.proxy.actions()).toEqual(
      expect.arrayContaining([
        'DescribeLaunchTemplates',
        'DescribeLaunchTemplateVersions',
        'DeregisterImage',
        'DeleteSnapshot',
      ]),
    );

    const left = await indep.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'tag:hac:family', Values: [family] }],
      }),
    );
    expect((left.Images ?? []).map((i) => i.ImageId).sort()).toEqual([a.id, b.id, e.id, f.id].sort());
    const gone = [...c.snapshots, ...d.snapshots];
    expect(gone.length).toBeGreaterThan(0);
    const snaps = await indep.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'] }));
    const ids = new Set((snaps.Snapshots ?? []).map((s) => s.SnapshotId));
    for (const s of gone) expect(ids.has(s)).toBe(false);
    for (const s of [...a.snapshots, ...f.snapshots]) expect(ids.has(s)).toBe(true);
  }, 60_000);
});

describe('planRetention (pure)', () => {
  const img = (id: string, date: string) => ({ ImageId: id, CreationDate: date });
  const images = [
    img('ami-1', '2024-01-01'),
    img('ami-2', '2024-01-02'),
    img('ami-3', '2024-01-03'),
    img('ami-4', '2024-01-04'),
  ];
  test.each<[number, [string, string][], string[], string[], string[]]>([
    [1, [], [], ['ami-4'], ['ami-3', 'ami-2', 'ami-1']],
    [2, [['ami-1', 'in use']], [], ['ami-4', 'ami-3'], ['ami-2']],
    [10, [], [], ['ami-4', 'ami-3', 'ami-2', 'ami-1'], []],
    [1, [], ['ami-2'], ['ami-2'], ['ami-4', 'ami-3', 'ami-1']],
  ])('keep %i, in use %j, protect %j', (keep, inUse, protect, kept, deregister) => {
    const plan = planRetention(images, keep, new Map(inUse), protect);
    expect(plan.kept).toEqual(kept);
    expect(plan.deregister).toEqual(deregister);
    expect(plan.skipped.map((s) => s.imageId)).toEqual(
      inUse.map(([id]) => id).filter((id) => !kept.includes(id)),
    );
  });
});
