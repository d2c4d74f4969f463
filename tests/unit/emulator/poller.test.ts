import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Poller } from '../../../emulator/poller.js';

const log = pino({ level: 'silent' });
const pollers: Poller[] = [];

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

/** A poller that finds nothing and would pause a minute; a poll waits for `gate()` if given. */
function idlePoller(gate?: () => Promise<void>) {
  const polls: number[] = [];
  const poller = new Poller(
    async () => {
      polls.push(Date.now());
      await gate?.();
      return { busy: false };
    },
    { idleMs: 60_000, log, failure: 'poll failed' },
  );
  pollers.push(poller);
  return { poller, polls };
}

describe('Poller: idle pause and wake', () => {
  it('pauses idleMs after a poll that found nothing', async () => {
    const { poller, polls } = idlePoller();
    poller.start();
    await vi.waitFor(() => expect(polls).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(polls).toHaveLength(1);
  });

  it('polls at once when woken during the pause', async () => {
    const { poller, polls } = idlePoller();
    poller.start();
    await vi.waitFor(() => expect(polls).toHaveLength(1));

    poller.wake();

    await vi.waitFor(() => expect(polls).toHaveLength(2), { timeout: 2_000 });
  });

  it('polls again without pausing when woken during a poll (the write came after its read)', async () => {
    let release: () => void = () => {};
    const firstPoll = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { poller, polls } = idlePoller(() =>
      polls.length === 1 ? firstPoll : Promise.resolve(),
    );
    poller.start();
    await vi.waitFor(() => expect(polls).toHaveLength(1));

    poller.wake();
    release();

    await vi.waitFor(() => expect(polls).toHaveLength(2), { timeout: 2_000 });
  });

  it('stops during the pause without waiting it out', async () => {
    const { poller, polls } = idlePoller();
    poller.start();
    await vi.waitFor(() => expect(polls).toHaveLength(1));
    const began = Date.now();
    await poller.stop();
    expect(Date.now() - began).toBeLessThan(5_000);
  });
});
