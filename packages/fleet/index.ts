export {
  fleetMain,
  readFleetInputs,
  runFleet,
  reportFleet,
  type FleetInputs,
  type FleetResult,
} from './entry.js';
export {
  planFleet,
  planOutputs,
  FLEET_FORM,
  MAX_WAVES,
  MATRIX_LIMIT,
  type FleetCluster,
  type FleetPlan,
} from './plan.js';
export { buildResult, readResults, writeResult, type ClusterResult } from './results.js';
export {
  fleetRows,
  fleetSummary,
  fleetVerdict,
  formatSeconds,
  shortVersion,
  type FleetRow,
  type FleetVerdict,
} from './verdict.js';
