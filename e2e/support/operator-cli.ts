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

/** A CLI call's answer, its stdout parsed as JSON where it is (the `--json` commands). */
export function withJson(result: { code: number; stdout: string; stderr: string }) {
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON, asserted field by field in the tests
  let json: any;
  try {
    json = JSON.parse(result.stdout);
  } catch {}
  return { ...result, json };
}

/** The operator CLI in this process, pointed at the stack whose API is `apiUrl()`. */
export function cliAgainst(apiUrl: () => string) {
  return async (...args: string[]) => withJson(await runCliInProcess([...args, '--api', apiUrl()]));
}
