import { runAction } from '@hac/toolkit';
import { bluegreenPost } from '@hac/k8s';

void runAction(async () => void (await bluegreenPost()));
