import { runEngine } from '@hac/toolkit';
import { canaryMain } from '@hac/k8s';

void runEngine(canaryMain);
