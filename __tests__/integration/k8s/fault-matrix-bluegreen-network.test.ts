// The k8s-bluegreen fault matrix (support/k8s-matrix-bluegreen.ts), the faults that break the
// connection: a reset before the response, a reset mid-body or mid-watch, and latency cut short by
// request-timeout, each at every request index. The status answers run in
// fault-matrix-bluegreen-status.test.ts, on a worker of their own.
import { blueGreenMatrix } from '../../support/k8s-matrix-bluegreen.js';
import { NETWORK_FAULTS } from '../../support/k8s-matrix.js';

blueGreenMatrix(NETWORK_FAULTS);
