// The k8s-canary fault matrix (support/k8s-matrix-canary.ts), the faults that break the connection:
// a reset before the response, a reset mid-body or mid-watch, at every request index; latency at
// sampled indices, cut short by request-timeout. The status answers run in
// fault-matrix-canary-status.test.ts, on a worker of their own.
import { canaryMatrix } from '../../support/k8s-matrix-canary.js';
import { NETWORK_FAULTS } from '../../support/k8s-matrix.js';

canaryMatrix(NETWORK_FAULTS);
