/** What the packer engine runs, as pure data. */
export interface PackerSpec {
  /** Path to a template file (.pkr.hcl, .pkr.json, .json) or a directory of .pkr.hcl files. */
  template: string;
  varFiles: string[];
  /** Non-secret variables, passed as -var name=value. */
  vars: Record<string, string>;
  /** Secret variables, passed as PKR_VAR_<name> environment variables (never on argv). */
  secretVars: Record<string, string>;
  only: string[];
  except: string[];
  /** -on-error: cleanup (default), abort (leaves resources; refused by the action), ask is never used in CI. */
  onError: 'cleanup';
  force: boolean;
  /** Whether to run `packer init` first (Packer >= 1.7, HCL2 templates). */
  init: 'auto' | 'always' | 'never';
}

/** Variable names Packer accepts (HCL identifiers). */
export const PACKER_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function packerInitArgs(spec: PackerSpec): string[] {
  return ['init', spec.template];
}

export function packerBuildArgs(spec: PackerSpec): string[] {
  const args = ['build', '-machine-readable', '-color=false', `-on-error=${spec.onError}`];
  if (spec.force) args.push('-force');
  if (spec.only.length) args.push(`-only=${spec.only.join(',')}`);
  if (spec.except.length) args.push(`-except=${spec.except.join(',')}`);
  for (const file of spec.varFiles) args.push(`-var-file=${file}`);
  for (const [name, value] of Object.entries(spec.vars)) args.push('-var', `${name}=${value}`);
  args.push(spec.template);
  return args;
}

/** The environment for packer: the runner's, plus PKR_VAR_ secrets and machine-friendly settings. */
export function packerEnv(spec: PackerSpec, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PACKER_NO_COLOR: '1', CHECKPOINT_DISABLE: '1' };
  for (const [name, value] of Object.entries(spec.secretVars)) env[`PKR_VAR_${name}`] = value;
  return env;
}

/** Whether `packer init` should run: HCL2 templates on Packer >= 1.7 (it does not exist before). */
export function shouldInit(spec: PackerSpec, version: string | undefined): boolean {
  if (spec.init === 'never') return false;
  if (spec.init === 'always') return true;
  const hcl = spec.template.endsWith('.pkr.hcl') || !/\.json$/.test(spec.template);
  const [major = 0, minor = 0] = (version ?? '0.0').replace(/^v/, '').split('.').map(Number);
  return hcl && (major > 1 || (major === 1 && minor >= 7));
}
