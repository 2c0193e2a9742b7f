// Shared by the template end-to-end suites: run a template through act on this host against the
// sandbox (scripts/pipeline.mjs), and read what it left with kubectl. Each suite passes an image
// repository of its own, so that the e2e pass can run them at the same time.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, type SandboxEnv } from './sandbox.js';

export type TemplateRun = { code: number; summary: string; log: string; wallMs: number };

const { runTemplate } = (await import(path.join(REPO_ROOT, 'scripts/pipeline.mjs'))) as {
  runTemplate: (o: Record<string, unknown>) => Promise<TemplateRun>;
};

export function templateRunner(sb: () => SandboxEnv, imageName: string) {
  const vars = () => Object.fromEntries(Object.entries(sb().vars).filter(([k]) => k !== 'KUBECONFIG'));
  const kubectl = (ns: string, ...args: string[]) =>
    execFileSync(sb().kubectl, ['--kubeconfig', sb().kubeconfig, '-n', ns, ...args], { encoding: 'utf8' });
  return {
    run: (template: string, version: string, bad = false) =>
      runTemplate({
        template,
        version,
        bad,
        sandbox: vars(),
        quiet: true,
        extraVars: { IMAGE_NAME: imageName },
      }),
    kubectl,
    liveColor: (ns: string, app: string) =>
      kubectl(ns, 'get', 'svc', app, '-o', 'jsonpath={.spec.selector.color}'),
    colorImage: (ns: string, app: string, color: string) =>
      kubectl(
        ns,
        'get',
        'deploy',
        `${app}-${color}`,
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ),
  };
}
