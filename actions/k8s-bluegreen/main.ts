import { runEngine } from '@hac/toolkit';
import { bluegreenMain } from '@hac/k8s';

void runEngine(bluegreenMain);
