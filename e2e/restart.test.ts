import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../emulator/local-aws.js';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import { signedHeaders } from '../tools/signing-proxy/signed-request.js';
import {
  runStart,
  runWebhooksCli,
  type StartedProcess,
  WHOLE_STACK_RESTART_MS,
} from './support/npm-start.js';
import { TARGET } from './support/target.js';

const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-restart-'));
let running: StartedProcess | undefined;

afterAll(async () => {
  if (running?.child.exitCode === null) await running.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

async function send(apiUrl: string, event: object) {
  const rawBody = JSON.stringify(event);
  const response = await fetch(`${apiUrl}/api/webhooks/stripe`, {
    method: 'POST',
    body: rawBody,
    headers: signedHeaders('stripe', rawBody),
  });
  return {
    status: response.status,
    body: (await response.json()) as { id: string; duplicate?: boolean },
  };
}

async function statusOf(id: string, env: Record<string, string>) {
  const result = await runWebhooksCli(['status', id, '--json'], env);
  return { code: result.code, view: result.stdout ? JSON.parse(result.stdout) : undefined };
}

async function waitForStatus(id: string, env: Record<string, string>, status: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { view } = await statusOf(id, env);
    if (view?.status === status) return view;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// `npm start` is the embedded target itself: on LocalStack or AWS there is no process to restart.
describe.runIf(TARGET.localProcesses)('npm start, SIGINT, npm start again', () => {
  it(
    'stops cleanly on SIGINT and finds every webhook stored before after a restart',
    async () => {
      const env = {
        DATA_DIR: dataDir,
        API_PORT: String(await freePort()),
        DYNAMODB_PORT: String(await freePort()),
        SQS_PORT: String(await freePort()),
      };
      const apiUrl = `http://127.0.0.1:${env.API_PORT}`;

      running = await runStart(env);
      expect((await fetch(`${apiUrl}/_emulator/health`)).status).toBe(200);
      const event = stripeEvent();
      const first = await send(apiUrl, event);
      expect(first.status).toBe(202);
      const before = await waitForStatus(first.body.id, env, 'completed');
      expect(before).toMatchObject({
        id: first.body.id,
        provider: 'stripe',
        type: event.type,
        attempts: 1,
        outcome: 'applied',
      });

      const stop = await running.interrupt();
      expect(stop.code).toBe(0);
      // The contract: SIGINT stops everything within 10 s (a bound, not a benchmark).
      expect(stop.ms).toBeLessThan(10_000);
      expect((await statusOf(first.body.id, env)).code).not.toBe(0);

      running = await runStart(env);
      // Stored before the restart, still there, and not processed a second time.
      expect((await statusOf(first.body.id, env)).view).toEqual(before);
      expect(await send(apiUrl, event)).toEqual({
        status: 200,
        body: { id: first.body.id, duplicate: true },
      });
      // The pipeline keeps working after a restart, from the stream checkpoint.
      const second = await send(apiUrl, stripeEvent());
      expect(second.status).toBe(202);
      await waitForStatus(second.body.id, env, 'completed');
      expect((await statusOf(first.body.id, env)).view).toEqual(before);
      const unknown = await runWebhooksCli(
        ['status', '00000000-0000-5000-8000-000000000000', '--json'],
        env,
      );
      expect(unknown.code).toBe(1);
      expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: 'not_found' } });
    },
    WHOLE_STACK_RESTART_MS,
  );

  it('the CLI says clearly when the id is malformed or the stack is not running', async () => {
    const malformed = await runWebhooksCli(['status', 'not-a-uuid', '--json'], {});
    expect(malformed.code).toBe(2);
    expect(JSON.parse(malformed.stdout)).toMatchObject({ error: { code: 'invalid_argument' } });

    const down = await runWebhooksCli(['status', '00000000-0000-5000-8000-000000000000'], {
      API_PORT: String(await freePort()),
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Is `npm start` running\?/);
  });
});
