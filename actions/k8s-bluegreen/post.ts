import { runEngine } from '@hac/toolkit';
import { bluegreenPost } from '@hac/k8s';

void runEngine(bluegreenPost);
