import { randomBytes } from 'node:crypto';

/** Raw user data may be at most 16 KB before base64 encoding. */
export const USER_DATA_LIMIT = 16 * 1024;

export const SUCCESS_MARKER = 'hac-build-ami: provisioning succeeded';
export const FAILURE_MARKER = 'hac-build-ami: provisioning failed';

/** Whether a script can be wrapped (a shell script, with or without a shebang; not cloud-config or MIME). */
export function isShellScript(script: string): boolean {
  const first = script.trimStart().split('\n', 1)[0] ?? '';
  if (first.startsWith('#!')) return /^#!\s*\/(usr\/)?(bin\/)?(env\s+)?(ba|da|z)?sh\b/.test(first);
  return !/^(#cloud-config|#cloud-boothook|#include|Content-Type:)/i.test(first);
}

/**
 * Wraps a provisioning script so that the instance powers off when it succeeds (the completion
 * signal, with InstanceInitiatedShutdownBehavior=stop) and stays up with a failure marker on the
 * console when it fails (the build then times out and shows the console). The script file is
 * removed before power-off so it is not baked into the image.
 */
export function wrapUserData(
  script: string,
  random: () => string = () => randomBytes(8).toString('hex'),
): string {
  const body = script.trimStart().startsWith('#!') ? script : `#!/bin/bash\n${script}`;
  const eof = `HAC_PROVISION_${random()}`;
  return [
    '#!/bin/bash',
    '# hac build-ami: run the provisioning script, then power off on success.',
    'script=/var/tmp/hac-provision',
    `cat > "$script" <<'${eof}'`,
    body.replace(/\n?$/, ''),
    eof,
    'chmod 700 "$script"',
    'if "$script"; then',
    '  rm -f "$script"',
    `  echo "${SUCCESS_MARKER}" | tee /dev/console`,
    '  sync',
    '  shutdown -h now',
    'else',
    '  rc=$?',
    '  rm -f "$script"',
    `  echo "${FAILURE_MARKER} (exit $rc)" | tee /dev/console`,
    'fi',
    '',
  ].join('\n');
}
