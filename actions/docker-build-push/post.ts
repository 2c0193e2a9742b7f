import { runEngine } from '@hac/toolkit';
import { dockerBuildPushPost } from '@hac/image';

void runEngine(dockerBuildPushPost);
