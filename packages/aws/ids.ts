/** EC2 resource id kinds hac reads from inputs, with their prefixes. */
export const ID_PREFIXES = {
  ami: 'ami',
  instance: 'i',
  securityGroup: 'sg',
  subnet: 'subnet',
  allocation: 'eipalloc',
  association: 'eipassoc',
  launchTemplate: 'lt',
  snapshot: 'snap',
  networkInterface: 'eni',
  vpc: 'vpc',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** EC2 ids are the prefix, a dash, and 8 (older) or 17 lowercase hex digits. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);
}

export function isId(kind: IdKind, value: string): boolean {
  return idPattern(kind).test(value);
}

/** How an id of this kind looks, for error messages: `an AMI id such as ami-0123456789abcdef0`. */
export function idExpected(kind: IdKind): string {
  const label: Record<IdKind, string> = {
    ami: 'an AMI id',
    instance: 'an instance id',
    securityGroup: 'a security group id',
    subnet: 'a subnet id',
    allocation: 'an Elastic IP allocation id',
    association: 'an Elastic IP association id',
    launchTemplate: 'a launch template id',
    snapshot: 'a snapshot id',
    networkInterface: 'a network interface id',
    vpc: 'a VPC id',
  };
  return `${label[kind]} such as ${ID_PREFIXES[kind]}-0123456789abcdef0`;
}
