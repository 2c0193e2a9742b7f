// The third-party actions the templates pin, and the local stand-ins `npm run pipeline` maps them to.
export const PINS = {
  'actions/checkout': {
    sha: '11bd71901bbe5b1630ceea73d27597364c9af683',
    version: 'v4.2.2',
    standIn: 'checkout',
  },
  'actions/setup-go': {
    sha: 'd35c59abb061a4a6fb18e82ac0862c26744d6ab5',
    version: 'v5.5.0',
    standIn: 'setup-go',
  },
  'aws-actions/configure-aws-credentials': {
    sha: 'e3dd6a429d7300a6a4c196c26e071d42e0343502',
    version: 'v4.0.2',
    standIn: 'configure-aws-credentials',
  },
};

/** The owner placeholder in `uses: org/hac/actions/<name>@v1`: the part users replace. */
export const HAC_REPO = 'org/hac';
export const HAC_REF = 'v1';
