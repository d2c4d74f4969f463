import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../emulator/local-aws.js';
import { runCliCaptured } from '../../helpers/cli-in-process.js';

/*
 * The operator CLI's answers that need no stack: usage errors (exit 2, `invalid_argument`) are
 * decided before the stack is reached, and a stack that does not answer is named (exit 1).
 * Every case points the CLI at a port where nothing listens, so a usage error answered after
 * trying the stack would come back as `target_unavailable` instead.
 */
const ID = '00000000-0000-5000-8000-000000000000';
let closedPort: string;
beforeAll(async () => {
  closedPort = String(await freePort());
});

async function cli(...args: string[]) {
  const result = await runCliCaptured(args, { API_PORT: closedPort }, pino({ level: 'silent' }));
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {}
  return { ...result, json };
}

const usageError = { code: 2, json: { error: { code: 'invalid_argument' } } };

describe('npm run webhooks: arguments', () => {
  it.each([
    ['a malformed id', ['status', 'not-a-uuid', '--json']],
    ['show without a webhook id', ['show', 'nope', '--json']],
    ['status with two ids', ['status', ID, ID, '--json']],
    ['list of completed webhooks (not indexed)', ['list', '--status', 'completed', '--json']],
    ['list with a limit of 0', ['list', '--limit', '0', '--json']],
    ['redrive of nothing', ['redrive', '--json']],
    ['redrive of completed webhooks', ['redrive', '--status', 'completed', '--json']],
    ['redrive by ids and filters at once', ['redrive', ID, '--provider', 'stripe', '--json']],
    ['redrive --all beside a filter', ['redrive', '--all', '--since', '1h', '--json']],
    ['redrive at a rate of 0', ['redrive', ID, '--rate', '0', '--json']],
    ['replay of nothing', ['replay', '--json']],
    ['replay of dead webhooks', ['replay', '--status', 'dead', '--json']],
    ['replay since a time that is not one', ['replay', '--since', 'yesterday', '--json']],
    ['an unknown target', ['stats', '--target', 'mars', '--json']],
    ['an unknown command', ['purge', '--json']],
    ['an unknown option', ['stats', '--verbose', '--json']],
    ['an option without its value', ['list', '--json', '--status']],
  ])('%s is a usage error, answered without reaching the stack', async (_case, args) => {
    expect(await cli(...args)).toMatchObject(usageError);
  });

  it('says so on stderr without --json, and prints the usage with no command', async () => {
    const malformed = await cli('status', 'not-a-uuid');
    expect(malformed).toMatchObject({ code: 2, stdout: '' });
    expect(malformed.stderr).toMatch(/"not-a-uuid" is not a webhook id/);
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/^Usage: npm run webhooks/);
    expect((await cli('--help')).code).toBe(0);
  });

  it('names the stack that does not answer, and how to point at another port', async () => {
    const down = await cli('status', ID);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /does not answer at http:\/\/127\.0\.0\.1:\d+ .*Is `npm start` running\?/,
    );
    expect(down.stderr).toContain(`127.0.0.1:${closedPort}`);
    const json = await cli('status', ID, '--json');
    expect(json).toMatchObject({ code: 1, json: { error: { code: 'target_unavailable' } } });
    // --api wins over API_PORT.
    const elsewhere = await cli('stats', '--api', 'http://127.0.0.1:1', '--json');
    expect(elsewhere.json).toMatchObject({
      error: { code: 'target_unavailable', message: expect.stringContaining('127.0.0.1:1 ') },
    });
  });
});
