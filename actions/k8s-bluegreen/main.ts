import { runAction } from '@hac/toolkit';
import { bluegreenAction } from '@hac/k8s';

void runAction(async () => void (await bluegreenAction()));
