// The k8s-bluegreen fault matrix (support/k8s-matrix-bluegreen.ts), the faults that answer with a
// status: a 500, and a 429 with Retry-After, at every request index. The connection faults run in
// fault-matrix-bluegreen-network.test.ts, on a worker of their own.
import { blueGreenMatrix } from '../../support/k8s-matrix-bluegreen.js';
import { STATUS_FAULTS } from '../../support/k8s-matrix.js';

blueGreenMatrix(STATUS_FAULTS);
