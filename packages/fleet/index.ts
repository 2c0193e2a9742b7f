// @hac/fleet: the fleet action's engine (plan the waves, record each cluster, the fleet verdict).
export { fleetMain } from './entry.js';
