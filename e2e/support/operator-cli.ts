import { pino } from 'pino';
import { runCli } from '../../tools/operator/webhooks-cli.js';

/** The operator commands' warnings and errors, as the CLI's own: JSON lines on stderr. */
const log = pino({ level: 'warn' }, pino.destination(2));

/**
 * The operator CLI run in this process (`runCli`, what scripts/webhooks.ts runs), its output
 * captured: the same commands, answers and exit codes as `npm run webhooks`, without a Node.js
 * process and tsx per call (a second or more each on a loaded machine). The entry point itself
 * is run as a process by runWebhooksCli (./npm-start.ts).
 */
export async function runCliInProcess(args: string[], env: Record<string, string> = {}) {
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
