// The EC2 side of local ec2-immutable runs (npm run pipeline -- ec2-immutable).
/**
 * The EC2 side of a local release, in the sandbox's EC2 API: a launch template, an Elastic IP and
 * the instance that currently holds it (created once, then reused). Returns the template's vars.
 */
export async function prepareEc2(sandbox) {
  const ec2sdk = await import('@aws-sdk/client-ec2');
  const ec2 = new ec2sdk.EC2Client({
    region: sandbox.AWS_REGION,
    endpoint: sandbox.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: sandbox.AWS_ACCESS_KEY_ID, secretAccessKey: sandbox.AWS_SECRET_ACCESS_KEY },
  });
  const filters = { name: 'ubuntu/images/hvm-ssd/ubuntu-*' };
  const images = await ec2.send(
    new ec2sdk.DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [{ Name: 'name', Values: [filters.name] }],
    }),
  );
  const base = images.Images?.[0]?.ImageId;
  if (!base) throw new Error('the sandbox EC2 API has no base image to build from');
  const name = 'hac-ipsvc';
  const lts = await ec2.send(
    new ec2sdk.DescribeLaunchTemplatesCommand({
      Filters: [{ Name: 'launch-template-name', Values: [name] }],
    }),
  );
  if (!lts.LaunchTemplates?.length) {
    await ec2.send(
      new ec2sdk.CreateLaunchTemplateCommand({
        LaunchTemplateName: name,
        LaunchTemplateData: { ImageId: base, InstanceType: 't3.micro' },
      }),
    );
  }
  const addrs = await ec2.send(
    new ec2sdk.DescribeAddressesCommand({ Filters: [{ Name: 'tag:Name', Values: [name] }] }),
  );
  let address = addrs.Addresses?.[0];
  if (!address) {
    const alloc = await ec2.send(
      new ec2sdk.AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'Name', Value: name }] }],
      }),
    );
    address = { AllocationId: alloc.AllocationId };
  }
  if (!address.InstanceId) {
    const run = await ec2.send(
      new ec2sdk.RunInstancesCommand({ ImageId: base, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }),
    );
    await ec2.send(
      new ec2sdk.AssociateAddressCommand({
        AllocationId: address.AllocationId,
        InstanceId: run.Instances[0].InstanceId,
      }),
    );
  }
  return {
    BASE_AMI_FILTERS: JSON.stringify(filters),
    BASE_AMI_OWNERS: 'amazon',
    LAUNCH_TEMPLATE: name,
    EIP_ALLOCATION_ID: address.AllocationId,
    ARTIFACT_BASE_URL: 'http://127.0.0.1:9/artifacts',
  };
}
