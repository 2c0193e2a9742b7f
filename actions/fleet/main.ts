import { runEngine } from '@hac/toolkit';
import { fleetMain } from '@hac/fleet';

void runEngine(fleetMain);
