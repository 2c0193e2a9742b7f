import { runEngine } from '@hac/toolkit';
import { buildAmiPost } from '@hac/aws';

void runEngine(buildAmiPost);
