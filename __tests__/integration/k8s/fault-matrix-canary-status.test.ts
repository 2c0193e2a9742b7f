// The k8s-canary fault matrix (support/k8s-matrix-canary.ts), the faults that answer with a status:
// a 500, and a 429 with Retry-After, at every request index. The connection faults run in
// fault-matrix-canary-network.test.ts, on a worker of their own.
import { canaryMatrix } from '../../support/k8s-matrix-canary.js';
import { STATUS_FAULTS } from '../../support/k8s-matrix.js';

canaryMatrix(STATUS_FAULTS);
