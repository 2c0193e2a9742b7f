// SSM Run Command provisioning: the build instance registers with Systems Manager (its instance
// profile has AmazonSSMManagedInstanceCore), build-ami sends it one command, waits for the
// command's final status with the SDK waiter, then stops the instance so CreateImage snapshots a
// quiet file system. No SSH, no inbound rule, and the script never lands in user data.
import { SSMClient } from '@aws-sdk/client-ssm';
import { ec2ClientConfig, watched, type AwsSettings } from '../client.js';
import type { SsmCommandSpec } from './ssm-spec.js';
import type { CompletionSignal } from './signal.js';
import { commandComment, outputTail, ssmContext, type SsmSignalDeps } from './ssm-context.js';
import { sendCommand, waitCommand } from './ssm-command.js';
import { checkDocument, stopInstance, waitOnline } from './ssm-phases.js';

export {
  checkDocumentParameters,
  commandComment,
  isRetryableSsmError,
  onlinePollDelays,
  sendCommandInput,
  type SsmSignalDeps,
} from './ssm-context.js';

/** Creates the two SSM clients of a region (adaptive retry, and a single-attempt one for SendCommand). */
export function ssmClients(
  settings: AwsSettings & { region: string },
): Pick<SsmSignalDeps, 'ssm' | 'ssmOnce'> & { destroy(): void } {
  const ssm = watched(new SSMClient(ec2ClientConfig(settings, 'SSM')), settings, 'SSM');
  const ssmOnce = watched(
    new SSMClient({ ...ec2ClientConfig(settings, 'SSM'), maxAttempts: 1 }),
    settings,
    'SSM',
  );
  return {
    ssm,
    ssmOnce,
    destroy() {
      ssm.destroy();
      ssmOnce.destroy();
    },
  };
}

/** The SSM signal: Online, SendCommand, the command's final status, then stop the instance. */
export function ssmSignal(spec: SsmCommandSpec, deps: SsmSignalDeps): CompletionSignal {
  const sc = ssmContext(spec, deps);
  return {
    name: `SSM Run Command (${spec.document})`,
    preflight: () => checkDocument(sc),
    async wait(ctx) {
      const deadline = sc.clock() + ctx.timeoutMs;
      await waitOnline(sc, ctx, deadline);
      const commandId = await sendCommand(sc, ctx, commandComment(deps.runId, ctx.instanceId), deadline);
      sc.log(
        `SSM command ${commandId} (${spec.document}) sent to ${ctx.instanceId}; waiting for it to finish`,
      );
      const invocation = await waitCommand(sc, ctx, commandId, deadline);
      sc.log(
        `SSM command ${commandId} succeeded; its output ends with:\n${outputTail(invocation.StandardOutputContent, 60)}`,
      );
      await stopInstance(ctx);
    },
  };
}
