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

const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-sweeper-'));
let running: StartedProcess | undefined;

afterAll(async () => {
  if (running?.child.exitCode === null) await running.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

// Kills and restarts `npm start`: the embedded target only.
describe.runIf(TARGET.localProcesses)('a process killed in the middle of an attempt', () => {
  it(
    'leaves the webhook stuck in processing; after a restart the sweeper brings it to completed',
    async () => {
      const env = {
        DATA_DIR: dataDir,
        FAULT_INJECTION: '1',
        API_PORT: String(await freePort()),
        DYNAMODB_PORT: String(await freePort()),
        SQS_PORT: String(await freePort()),
      };
      const apiUrl = `http://127.0.0.1:${env.API_PORT}`;
      const status = async (id: string) =>
        JSON.parse((await runWebhooksCli(['status', id, '--json'], env)).stdout || '{}');

      running = await runStart(env);
      const rawBody = JSON.stringify(stripeEvent());
      // Attempt 1 fails (its retry goes on the in-memory queue); attempt 2 never finishes.
      const response = await fetch(`${apiUrl}/api/webhooks/stripe`, {
        method: 'POST',
        body: rawBody,
        headers: {
          ...signedHeaders('stripe', rawBody),
          'x-fault-fail-attempts': '1',
          'x-fault-hang-attempts': '2',
        },
      });
      const { id } = (await response.json()) as { id: string };
      for (
        let view = await status(id);
        !(view.status === 'processing' && view.attempts === 2);
        view = await status(id)
      ) {
        await new Promise((r) => setTimeout(r, 200));
      }

      // Power loss: the whole process group, DynamoDB Local's JVM included, with the retry message in memory.
      await running.kill();
      running = await runStart(env);
      expect(await status(id)).toMatchObject({ status: 'processing', attempts: 2 });

      // Nothing else will move it: the queue message is gone. The sweeper finds it once the
      // attempt's lease plus the grace period have passed (local profile: 6 s + 10 s).
      const deadline = Date.now() + 60_000;
      let swept: { abandoned: string[] } = { abandoned: [] };
      while (!swept.abandoned.includes(id) && Date.now() < deadline) {
        swept = JSON.parse((await runWebhooksCli(['sweep', '--json'], env)).stdout);
        if (!swept.abandoned.includes(id)) await new Promise((r) => setTimeout(r, 1000));
      }
      expect(swept.abandoned).toContain(id);

      let view = await status(id);
      while (view.status !== 'completed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        view = await status(id);
      }
      expect(view).toMatchObject({ status: 'completed', attempts: 3 });
      const shown = JSON.parse((await runWebhooksCli(['show', id, '--json'], env)).stdout);
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
      // A second sweep finds nothing to do: the sweeper is idempotent.
      const again = JSON.parse((await runWebhooksCli(['sweep', '--json'], env)).stdout);
      expect(again.abandoned).not.toContain(id);
    },
    WHOLE_STACK_RESTART_MS,
  );
});
