/** The AWS partitions' commercial, GovCloud and China regions known when this list was written. */
export const KNOWN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
];

/** The shape every region name has: `us-east-1`, `us-gov-west-1`, `ap-southeast-7`. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export const REGION_EXPECTED = 'a known AWS region such as us-east-1 or eu-west-1';

/**
 * Whether `region` names a region. A well-formed name not in KNOWN_REGIONS is accepted only when
 * `allowUnlisted` is set (a region launched after this release; the `HAC_AWS_EXTRA_REGIONS` env var
 * can list those too).
 */
export function isValidRegion(
  region: string,
  opts: { allowUnlisted?: boolean; env?: NodeJS.ProcessEnv } = {},
): boolean {
  if (!REGION_PATTERN.test(region)) return false;
  if (KNOWN_REGIONS.includes(region) || opts.allowUnlisted) return true;
  const extra = (opts.env ?? process.env).HAC_AWS_EXTRA_REGIONS ?? '';
  return extra
    .split(/[\s,]+/)
    .filter(Boolean)
    .includes(region);
}
