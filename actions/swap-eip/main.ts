import { runAction } from '@hac/toolkit';
import { swapEipMain } from '@hac/aws';

void runAction(async () => void (await swapEipMain()));
