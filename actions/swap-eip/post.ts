import { runAction } from '@hac/toolkit';
import { swapEipPost } from '@hac/aws';

void runAction(async () => void (await swapEipPost()));
