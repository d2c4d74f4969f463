import { pino } from 'pino';
import { runCliCaptured } from '../../tests/helpers/cli-in-process.js';

/** The operator commands' warnings and errors, as the CLI's own: JSON lines on stderr. */
const log = pino({ level: 'warn' }, pino.destination(2));

/**
 * The operator CLI run in this process against the running stack (../../tests/helpers/cli-in-process.ts).
 * The entry point itself is run as a process by runWebhooksCli (./npm-start.ts).
 */
export function runCliInProcess(args: string[], env: Record<string, string> = {}) {
  return runCliCaptured(args, env, log);
}
