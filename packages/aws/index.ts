// @hac/aws: the engines of build-ami and swap-eip, as the actions use them. EC2/SSM clients, the
// native and Packer builds, retention and Elastic IP swaps live inside; tests reach them by path.
export { buildAmiMain, buildAmiPost } from './ami/entry.js';
export { swapEipMain, swapEipPost } from './eip/entry.js';
