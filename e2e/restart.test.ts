import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toStatusView } from '../tools/operator/status-view.js';
import { openTarget } from '../tools/operator/targets.js';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import { signedHeaders } from '../tools/signing-proxy/signed-request.js';
import {
  reservedPort,
  runStart,
  runWebhooksCli,
  type StartedProcess,
  WHOLE_STACK_RESTART_MS,
} from './support/npm-start.js';
import { runCliInProcess } from './support/operator-cli.js';
import { TARGET } from './support/target.js';

/*
 * `npm start` across a crash and a restart, with its data on disk. One story, two starts (each
 * start is a whole stack with its own DynamoDB Local, the slowest thing in the e2e ring): the
 * first is killed as a power loss would (the whole process group, DynamoDB Local's JVM
 * included) with one webhook completed and another, with a claim-checked body, in the middle
 * of an attempt; the second
 * finds the first unchanged, keeps processing from its stream checkpoint, lets the sweeper
 * bring the second back, and stops cleanly on SIGINT.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-restart-'));
let running: StartedProcess | undefined;

afterAll(async () => {
  if (running?.child.exitCode === null) await running.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

async function send(apiUrl: string, event: object, headers: Record<string, string> = {}) {
  const rawBody = JSON.stringify(event);
  const response = await fetch(`${apiUrl}/api/webhooks/stripe`, {
    method: 'POST',
    body: rawBody,
    headers: { ...signedHeaders('stripe', rawBody), ...headers },
  });
  return {
    status: response.status,
    body: (await response.json()) as { id: string; duplicate?: boolean },
  };
}

/**
 * `status --json`, by default run as `npm run webhooks` runs it (a process of its own, which
 * finds the stack by API_PORT); `inProcess` runs the same CLI here, without a process and tsx
 * per call.
 */
async function statusOf(id: string, env: Record<string, string>, how?: 'inProcess') {
  const args = ['status', id, '--json'];
  const result = how ? await runCliInProcess(args, env) : await runWebhooksCli(args, env);
  return { code: result.code, view: result.stdout ? JSON.parse(result.stdout) : undefined };
}

/** The CLI's JSON answer, run in this process. */
async function cliJson(args: string[], env: Record<string, string>) {
  return JSON.parse((await runCliInProcess([...args, '--json'], env)).stdout);
}

/**
 * The status view as the CLI prints it, read in this process through the operator module: a
 * CLI process per poll takes a second or more on a loaded machine, longer than some of the
 * states this test must catch last (an attempt hanging until its lease and visibility run out).
 */
async function viewOf(id: string, env: Record<string, string>) {
  const target = await openTarget('embedded', { apiUrl: `http://127.0.0.1:${env.API_PORT}` });
  try {
    const state = await target.table.ledger.getState(id);
    return state ? toStatusView(state) : undefined;
  } finally {
    target.close();
  }
}

async function waitForStatus(
  id: string,
  env: Record<string, string>,
  done: (view: { status?: string; attempts?: number }) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await viewOf(id, env);
    if (view && done(view)) return view;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// `npm start` is the embedded target itself: on LocalStack or AWS there is no process to restart.
describe.runIf(TARGET.localProcesses)('npm start, killed, started again, stopped', () => {
  it(
    'keeps every stored webhook across a crash, resumes processing, sweeps up the attempt the crash cut off, and stops cleanly',
    async () => {
      const env = {
        DATA_DIR: dataDir,
        FAULT_INJECTION: '1',
        API_PORT: String(await reservedPort()),
        DYNAMODB_PORT: String(await reservedPort()),
        SQS_PORT: String(await reservedPort()),
      };
      const apiUrl = `http://127.0.0.1:${env.API_PORT}`;

      running = await runStart(env);
      expect((await fetch(`${apiUrl}/_emulator/health`)).status).toBe(200);
      const event = stripeEvent();
      const first = await send(apiUrl, event);
      expect(first.status).toBe(202);
      // Attempt 1 fails (its retry goes on the in-memory queue); attempt 2 never finishes. Its
      // body is over the inline threshold, so it waits in the payload bucket for attempt 3,
      // which runs after the restart.
      const large = stripeEvent();
      large.data.object.metadata = { note: 'n'.repeat(100 * 1024) };
      const cut = await send(apiUrl, large, {
        'x-fault-fail-attempts': '1',
        'x-fault-hang-attempts': '2',
      });
      expect(cut.status).toBe(202);
      const before = await waitForStatus(first.body.id, env, (v) => v.status === 'completed');
      expect(before).toMatchObject({
        id: first.body.id,
        provider: 'stripe',
        type: event.type,
        attempts: 1,
        outcome: 'applied',
      });
      await waitForStatus(
        cut.body.id,
        env,
        (v) => v.status === 'processing' && v.attempts === 2,
        60_000,
      );

      // Power loss: the whole process group, DynamoDB Local's JVM included, with the retry
      // message in memory.
      await running.kill();
      running = await runStart(env);
      // First, before its lease runs out and a redelivered stream record could take it over.
      expect(await viewOf(cut.body.id, env)).toMatchObject({
        status: 'processing',
        attempts: 2,
      });

      // Stored before the crash, still there, and not processed a second time; the CLI says so.
      expect((await statusOf(first.body.id, env)).view).toEqual(before);
      expect(await send(apiUrl, event)).toEqual({
        status: 200,
        body: { id: first.body.id, duplicate: true },
      });
      // The pipeline keeps working after a restart, from the stream checkpoint.
      const second = await send(apiUrl, stripeEvent());
      expect(second.status).toBe(202);
      await waitForStatus(second.body.id, env, (v) => v.status === 'completed');

      // Nothing else will move the cut-off webhook: its queue message is gone. The sweeper finds
      // it once the attempt's lease plus the grace period have passed (local profile: 6 s + 10 s).
      const deadline = Date.now() + 60_000;
      let swept: { abandoned: string[] } = { abandoned: [] };
      while (!swept.abandoned.includes(cut.body.id) && Date.now() < deadline) {
        swept = await cliJson(['sweep'], env);
        if (!swept.abandoned.includes(cut.body.id)) await new Promise((r) => setTimeout(r, 1000));
      }
      expect(swept.abandoned).toContain(cut.body.id);
      expect(
        await waitForStatus(cut.body.id, env, (v) => v.status === 'completed', 30_000),
      ).toMatchObject({ status: 'completed', attempts: 3 });
      const shown = await cliJson(['show', cut.body.id], env);
      expect(
        shown.attempts.map((a: { attempt: number; result?: string }) => [
          a.attempt,
          a.result ?? null,
        ]),
      ).toEqual([
        [1, 'failed'],
        [2, null],
        [3, 'completed'],
      ]);
      // The claim-checked body outlived the restart, byte for byte.
      expect(shown.body).toMatchObject({
        location: 's3',
        sha256: createHash('sha256').update(JSON.stringify(large)).digest('hex'),
      });
      expect(shown.payload).toEqual(large);
      // A second sweep finds nothing to do: the sweeper is idempotent.
      const again = await cliJson(['sweep'], env);
      expect(again.abandoned).not.toContain(cut.body.id);

      expect((await statusOf(first.body.id, env, 'inProcess')).view).toEqual(before);
      const unknown = await runWebhooksCli(
        ['status', '00000000-0000-5000-8000-000000000000', '--json'],
        env,
      );
      expect(unknown.code).toBe(1);
      expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: 'not_found' } });

      const stop = await running.interrupt();
      expect(stop.code).toBe(0);
      // The contract: SIGINT stops everything within 10 s (a bound, not a benchmark).
      expect(stop.ms).toBeLessThan(10_000);
      expect((await statusOf(first.body.id, env, 'inProcess')).code).not.toBe(0);
    },
    WHOLE_STACK_RESTART_MS,
  );
});
