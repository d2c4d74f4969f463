import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../emulator/local-aws.js';

/*
 * Ports the emulator chooses for servers that bind them later: free, and below the ephemeral
 * range, where no outgoing connection can take them in between.
 */
describe('freePort', () => {
  it('gives distinct ports below the ephemeral range that a server can bind', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(30_000);
      const server = createServer().listen(port, '127.0.0.1');
      await once(server, 'listening');
      server.close();
    }
  });

  it('passes over a port something already listens on', async () => {
    const first = await freePort();
    // The next candidate is first + 1 (or 20000 after 29999): hold it, and it is skipped.
    const next = first >= 29_999 ? 20_000 : first + 1;
    const holder = createServer().listen(next, '127.0.0.1');
    await once(holder, 'listening');
    try {
      expect(await freePort()).not.toBe(next);
    } finally {
      holder.close();
    }
  });
});
