process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING ??= 'false';

import { parseArgs } from 'node:util';
import { stripeEvent } from '../tools/signing-proxy/events.js';
import { signedHeaders } from '../tools/signing-proxy/signed-request.js';

/*
 * `npm run bench:payloads [-- --count 40] [-- --sizes 2048,1048576]`: capture latency by body
 * size, against a running `npm start` (API_PORT, default 3000). For each size, `count` signed
 * Stripe events of about that many bytes are sent one after another (closed loop, one at a time,
 * so the figure is a capture's own time and not a queue's); each answer's wall time from the
 * request to the 202 is recorded. A body over the profile's inline threshold (64 KiB) goes to
 * the payload bucket before the table write, so this is the claim check's cost beside an inline
 * body's. Figures only: nothing here fails.
 */
const { values: flags } = parseArgs({
  options: {
    count: { type: 'string', default: '40' },
    sizes: { type: 'string', default: '2048,1048576' },
  },
});
const count = Number(flags.count);
const sizes = flags.sizes.split(',').map(Number);
const apiUrl = `http://127.0.0.1:${process.env.API_PORT ?? 3000}/api/webhooks/stripe`;

function eventOfSize(bytes: number): string {
  const event = stripeEvent();
  const base = JSON.stringify(event).length;
  event.data.object.metadata = { note: 'x'.repeat(Math.max(0, bytes - base - 20)) };
  return JSON.stringify(event);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

for (const size of sizes) {
  const times: number[] = [];
  let bodyBytes = 0;
  // One warm-up request per size: the first claim-checked body loads the S3 client.
  for (let i = 0; i <= count; i++) {
    const rawBody = eventOfSize(size);
    bodyBytes = Buffer.byteLength(rawBody);
    const headers = { ...signedHeaders('stripe', rawBody), 'content-type': 'application/json' };
    const started = performance.now();
    const response = await fetch(apiUrl, { method: 'POST', body: rawBody, headers });
    await response.arrayBuffer();
    const ms = performance.now() - started;
    if (response.status !== 202) throw new Error(`${bodyBytes} bytes: HTTP ${response.status}`);
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    `${String(bodyBytes).padStart(9)} bytes  p50 ${percentile(times, 50).toFixed(1).padStart(7)} ms  p99 ${percentile(times, 99).toFixed(1).padStart(7)} ms  (${count} captures)\n`,
  );
}
