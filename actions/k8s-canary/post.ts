import { runEngine } from '@hac/toolkit';
import { canaryPost } from '@hac/k8s';

void runEngine(canaryPost);
