import { runEngine } from '@hac/toolkit';
import { buildAmiMain } from '@hac/aws';

void runEngine(buildAmiMain);
