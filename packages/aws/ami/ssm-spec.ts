// What SSM provisioning needs to know before any AWS call (no SDK import, so input parsing stays light).

/** The managed document that runs a shell script (its `commands` parameter). */
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';

/** AWS-RunShellScript's parameters (the managed document is not in every emulator, so they are known here). */
export const RUN_SHELL_SCRIPT_PARAMETERS = ['commands', 'workingDirectory', 'executionTimeout'] as const;

/** An SSM document name, or a document ARN (shared documents). */
export const SSM_DOCUMENT =
  /^([A-Za-z0-9_.-]{3,128}|arn:aws[a-z-]*:ssm:[a-z0-9-]+:(\d{12})?:document\/[A-Za-z0-9_.-]{3,128})$/;
export const SSM_DOCUMENT_EXPECTED =
  'an SSM Command document name (3-128 letters, digits, _ . -) or a document ARN';

/** What to run on the build instance, already validated. */
export interface SsmCommandSpec {
  /** A document name (AWS-RunShellScript, or your own Command document) or ARN. */
  document: string;
  /** Document parameters; for AWS-RunShellScript, `commands` holds the script's lines. */
  parameters: Record<string, string[]>;
}

/** A script as AWS-RunShellScript's `commands`: its lines, without trailing blank lines. */
export function scriptCommands(script: string): string[] {
  return script.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
}
