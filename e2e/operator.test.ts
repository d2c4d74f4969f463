import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigcommerceEvent, stripeEvent } from '../tools/signing-proxy/events.js';
import { runWebhooksCli } from './support/npm-start.js';
import { cliAgainst, withJson } from './support/operator-cli.js';
import { TARGET } from './support/target.js';
import { eventually, startTestStack, type TestStack } from './support/test-stack.js';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const isFinal = (s: { status: string }) => s.status === 'completed' || s.status === 'dead';

/**
 * The operator CLI against this file's stack, run in this process; `cliProcess` runs the entry
 * point as `npm run webhooks` does (a Node.js process of its own), as one call here does.
 */
const cli = cliAgainst(() => stack.emulator.endpoints.api);
async function cliProcess(...args: string[]) {
  return withJson(await runWebhooksCli([...args, '--api', stack.emulator.endpoints.api], {}));
}

// The CLI runs against `npm start`'s emulator, and the notifications are its local inbox.
describe.runIf(TARGET.localProcesses)('operator tools on the embedded stack', () => {
  it('dead → notified → listed from the index → fault cleared → redrive → completed', async () => {
    // The processor fails three times (the fault), then works: the fault is "cleared" for a redrive.
    const response = await stack.send('stripe', stripeEvent(), { 'x-fault-fail-attempts': '3' });
    const id = response.body.id;
    const dead = await stack.waitForState(id, isFinal, 30_000);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3 });

    const notification = await eventually(async () =>
      stack.notifications.find((n) => (n.message as { id?: string }).id === id),
    );
    expect(notification.message).toMatchObject({
      kind: 'webhook.dead',
      id,
      provider: 'stripe',
      attempts: 3,
    });

    const listed = await cli('list', '--status', 'dead', '--json');
    expect(listed.code).toBe(0);
    expect(listed.json.map((w: { id: string }) => w.id)).toContain(id);

    // SQS moves the message to the DLQ one visibility timeout after the last attempt.
    await eventually(
      async () => ((await stack.queueDepth('DeadLetterQueueUrl')).visible > 0 ? true : undefined),
      30_000,
    );

    const dryRun = await cli('redrive', id, '--dry-run', '--json');
    expect(dryRun.json).toMatchObject({ dryRun: true, moved: [id] });
    expect(await stack.store.ledger.getState(id)).toMatchObject({ status: 'dead' });

    const redriven = await cli('redrive', id, '--json');
    expect(redriven.code).toBe(0);
    expect(redriven.json).toMatchObject({ moved: [id], requeued: [] });

    const completed = await stack.waitForState(id, (s) => s.status === 'completed', 30_000);
    expect(completed.attempts).toBe(4);

    const shown = await cli('show', id, '--json');
    expect(
      shown.json.attempts.map((a: { attempt: number; result: string }) => [a.attempt, a.result]),
    ).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'dead'],
      [4, 'completed'],
    ]);
    expect(shown.json.attempts[0].error).toMatchObject({ code: 'injected_fault', attempt: 1 });
    expect(shown.json.payload).toMatchObject({ object: 'event' });
    expect(
      (await cli('list', '--status', 'dead', '--json')).json.map((w: { id: string }) => w.id),
    ).not.toContain(id);
  });

  it('replays a completed webhook as a new attempt', async () => {
    const response = await stack.send('bigcommerce', bigcommerceEvent());
    const id = response.body.id;
    await stack.waitForState(id, (s) => s.status === 'completed');
    const replayed = await cli('replay', id, '--json');
    expect(replayed.code).toBe(0);
    const again = await stack.waitForState(id, (s) => s.status === 'completed' && s.attempts === 2);
    expect(again.outcome).toBe('applied');
    // Only a completed webhook can be replayed.
    const refused = await cli('replay', '00000000-0000-5000-8000-000000000000', '--json');
    expect(refused).toMatchObject({ code: 1, json: { error: { code: 'replay_refused' } } });
  });

  it('a copy with the same event id and another body: kept first, warned, marked in status and stats', async () => {
    const event = stripeEvent();
    const first = await stack.send('stripe', event);
    expect(first.status).toBe(202);
    const changed = await stack.send('stripe', { ...event, livemode: true });
    expect(changed).toMatchObject({ status: 200, body: { id: first.body.id, duplicate: true } });

    const warning = await eventually(async () =>
      stack.logs.find((l) => l.event === 'capture.conflict' && l.webhookId === first.body.id),
    );
    expect(warning).toMatchObject({ level: 'warn', conflicts: 1 });
    expect(warning.storedSha256).not.toBe(warning.receivedSha256);
    const status = await cli('status', first.body.id, '--json');
    expect(status.json.conflicts).toMatchObject({ count: 1, sha256: warning.receivedSha256 });
    const stats = await cli('stats', '--json');
    expect(stats.json.conflicts.copies).toBeGreaterThanOrEqual(1);
  });

  it('stats holds: received = completed + dead + in flight, and the index agrees', async () => {
    const sends = [
      ...Array.from({ length: 6 }, () => stack.send('stripe', stripeEvent())),
      stack.send('stripe', stripeEvent(), { 'x-fault-fail-attempts': '1' }),
      stack.send('bigcommerce', bigcommerceEvent(), { 'x-fault-fail-attempts': '99' }),
    ];
    const ids = (await Promise.all(sends)).map((r) => r.body.id);
    await Promise.all(ids.map((id) => stack.waitForState(id, isFinal, 30_000)));
    // The entry point as the README runs it, in a process of its own: its exit code and JSON.
    const stats = await cliProcess('stats', '--json');
    expect(stats.code).toBe(0);
    expect(stats.json.holds).toBe(true);
    expect(stats.json.received).toBe(
      stats.json.byStatus.completed + stats.json.byStatus.dead + stats.json.inFlight,
    );
    expect(stats.json.byStatus.dead).toBeGreaterThanOrEqual(1);
    expect(stats.json.byProvider.stripe.completed).toBeGreaterThanOrEqual(7);

    // The same webhooks, chosen by filter: a dry run lists them and changes nothing.
    const deadOrder = ids[7]!;
    const redriveDry = await cli(
      'redrive',
      '--status',
      'dead',
      '--provider',
      'bigcommerce',
      '--since',
      '1h',
      '--dry-run',
      '--json',
    );
    expect(redriveDry.code).toBe(0);
    expect(redriveDry.json).toMatchObject({ dryRun: true, selected: [deadOrder] });
    expect([...redriveDry.json.moved, ...redriveDry.json.requeued]).toEqual([deadOrder]);
    expect(await stack.store.ledger.getState(deadOrder)).toMatchObject({ status: 'dead' });
    const replayDry = await cli(
      'replay',
      '--provider',
      'stripe',
      '--since',
      '1h',
      '--dry-run',
      '--json',
    );
    expect(replayDry.code).toBe(0);
    expect(replayDry.json.replayed).toEqual(expect.arrayContaining(ids.slice(0, 7)));
    expect(replayDry.json.replayed).not.toContain(deadOrder);
    for (const id of ids.slice(0, 7))
      expect(await stack.store.ledger.getState(id)).toMatchObject({
        status: 'completed',
        attempts: id === ids[6] ? 2 : 1,
      });
  });
});
