import { runEngine } from '@hac/toolkit';
import { dockerBuildPushMain } from '@hac/image';

void runEngine(dockerBuildPushMain);
