import { runEngine } from '@hac/toolkit';
import { swapEipPost } from '@hac/aws';

void runEngine(swapEipPost);
