import { runEngine } from '@hac/toolkit';
import { swapEipMain } from '@hac/aws';

void runEngine(swapEipMain);
