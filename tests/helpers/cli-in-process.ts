import type { Logger } from 'pino';
import { runCli } from '../../tools/operator/webhooks-cli.js';

/**
 * The operator CLI run in this process (`runCli`, what scripts/webhooks.ts runs), its output
 * captured: the same commands, answers and exit codes as `npm run webhooks`, without a Node.js
 * process and tsx per call (a second or more each on a loaded machine).
 */
export async function runCliCaptured(
  args: string[],
  env: Record<string, string>,
  log: Logger,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env,
    log,
  });
  return { code, stdout, stderr };
}
