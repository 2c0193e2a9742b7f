// The post step loads the Kubernetes client eagerly: it always needs it, and an eager import keeps
// its bundle free of split chunks (main and post share dist/k8s-bluegreen/).
import '@kubernetes/client-node';
import 'undici';
import { runAction } from '@hac/toolkit';
import { bluegreenPost } from '@hac/k8s';

void runAction(async () => void (await bluegreenPost()));
