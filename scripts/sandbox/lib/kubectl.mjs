// kubectl against one of the sandbox's clusters (cluster 1's admin kubeconfig unless told).
import fs from 'node:fs';
import { FILES, bin } from './config.mjs';
import { run, which } from './proc.mjs';

export function kubectlPath() {
  if (fs.existsSync(bin('kubectl'))) return bin('kubectl');
  return which('kubectl') ?? 'kubectl';
}

export function kubectl(args, opts = {}) {
  const kubeconfig = opts.kubeconfig ?? FILES.adminKubeconfig;
  return run(kubectlPath(), ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 120000, ...opts });
}
