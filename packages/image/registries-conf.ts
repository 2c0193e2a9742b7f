// Registries an operator marked insecure in containers-registries.conf(5). buildah honours that file
// for pull and push, but `buildah login` (1.28) ignores it and insists on HTTPS; hac reads the
// insecure entries so that login gets --tls-verify=false for them too, with no extra inputs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Hosts (location or prefix, host[:port] part) of [[registry]] tables with insecure = true. */
export function parseInsecureRegistries(toml: string): string[] {
  const out: string[] = [];
  const tables = toml.split(/^\s*\[\[registry\]\]\s*$/m).slice(1);
  for (const table of tables) {
    const body = table.split(/^\s*\[/m)[0] ?? '';
    if (!/^\s*insecure\s*=\s*true\s*(#.*)?$/m.test(body)) continue;
    const loc = /^\s*(?:location|prefix)\s*=\s*"([^"]+)"/m.exec(body)?.[1];
    if (loc) out.push(loc.replace(/^[a-z]+:\/\//, '').split('/')[0] as string);
  }
  return [...new Set(out)];
}

/** The registries.conf files containers tools read: CONTAINERS_REGISTRIES_CONF alone, else user then system (and their .d dirs). */
export function registriesConfFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.CONTAINERS_REGISTRIES_CONF) return [env.CONTAINERS_REGISTRIES_CONF];
  const home = env.HOME ?? os.homedir();
  const user = path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'containers', 'registries.conf');
  const base = fs.existsSync(user) ? user : '/etc/containers/registries.conf';
  const dropIns = (dir: string) => {
    try {
      return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.conf'))
        .sort()
        .map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  };
  return [base, ...dropIns('/etc/containers/registries.conf.d'), ...dropIns(`${user}.d`)];
}

export function insecureRegistriesFromConf(env: NodeJS.ProcessEnv): string[] {
  return registriesConfFiles(env).flatMap((f) => {
    try {
      return parseInsecureRegistries(fs.readFileSync(f, 'utf8'));
    } catch {
      return [];
    }
  });
}
