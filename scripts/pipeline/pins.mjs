// The third-party actions the templates pin (each a node24 release; its action.yml at that commit is
// checked in under __tests__/fixtures/pinned-actions/), and the local stand-ins `npm run pipeline`
// maps them to. __tests__/integration/workflows/pins.test.ts keeps this, the templates and the
// fixtures in step.
export const PINS = {
  'actions/checkout': {
    sha: '3d3c42e5aac5ba805825da76410c181273ba90b1',
    version: 'v7.0.1',
    standIn: 'checkout',
  },
  'actions/setup-go': {
    sha: 'b7ad1dad31e06c5925ef5d2fc7ad053ef454303e',
    version: 'v7.0.0',
    standIn: 'setup-go',
  },
  'actions/upload-artifact': {
    sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f',
    version: 'v7.0.0',
    standIn: 'upload-artifact',
  },
  'actions/download-artifact': {
    sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c',
    version: 'v8.0.1',
    standIn: 'download-artifact',
  },
  'aws-actions/configure-aws-credentials': {
    sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c',
    version: 'v6.2.3',
    standIn: 'configure-aws-credentials',
  },
};

/** The owner placeholder in `uses: org/hac/actions/<name>@v1`: the part users replace. */
export const HAC_REPO = 'org/hac';
export const HAC_REF = 'v1';
