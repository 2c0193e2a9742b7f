// The post step. It loads the Kubernetes client only when main left something to restore or a
// Lease to release (see bluegreenPost): a run that wrote nothing ends here with no network.
import { runAction } from '@hac/toolkit';
import { bluegreenPost } from '@hac/k8s';

void runAction(async () => void (await bluegreenPost()));
