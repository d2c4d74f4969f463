import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsoleApp, TOKEN_HEADER } from '../../tools/console/app.js';
import type { BulkOptions, Selection } from '../../tools/operator/bulk-actions.js';
import type { Operator } from '../../tools/operator/operator.js';
import type { Target } from '../../tools/operator/targets.js';
import { type WebhookDetail, WebhookNotFoundError } from '../../tools/operator/webhook-detail.js';

/*
 * The console's HTTP edge on a real loopback socket (its guard compares the Host with the port
 * the request came in on), over a stand-in operator: what it refuses, what it escapes, how
 * actions run. The operator module itself is exercised against the stack in e2e/console.test.ts.
 */

const TOKEN = 'test-token-0123456789';
const ID = '0f8fad5b-d9cb-569f-a165-70867728950e';
const HOSTILE = '<script>alert(1)</script>';

const detail: WebhookDetail = {
  status: {
    id: ID,
    provider: 'stripe',
    type: 'payment_intent.succeeded',
    status: 'dead',
    attempts: 3,
    receivedAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:09.000Z',
    lastError: { code: 'boom', message: HOSTILE, attempt: 3, at: '2026-12-01T00:00:09.000Z' },
  },
  eventId: 'evt_1',
  occurredAt: '2026-12-01T00:00:00.000Z',
  headers: { 'x-note': '"><img src=x onerror=alert(1)>' },
  body: { size: 37, sha256: 'f'.repeat(64), location: 'inline' },
  rawPayload: JSON.stringify({ note: HOSTILE }),
  payload: { note: HOSTILE },
  attempts: [],
};

const calls: Array<{ action: string; selection: Selection; options?: BulkOptions }> = [];
const logLines: Array<Record<string, unknown>> = [];

const operator = {
  target: { name: 'embedded' } as Target,
  async status(id: string) {
    if (id !== ID) throw new WebhookNotFoundError(`No webhook ${id}.`);
    return detail.status;
  },
  async show(id: string) {
    if (id !== ID) throw new WebhookNotFoundError(`No webhook ${id}.`);
    return detail;
  },
  async resourceWebhooks() {
    return { webhooks: [], truncated: false };
  },
  async find() {
    return { webhooks: [], total: 0, offset: 0, read: { source: 'scan', description: 'x' } };
  },
  async overview() {
    throw new Error('secret detail of a failure');
  },
  async redriveSelection(selection: Selection, options?: BulkOptions) {
    calls.push({ action: 'redrive', selection, ...(options ? { options } : {}) });
    const ids = 'ids' in selection ? [...selection.ids] : [ID];
    for (const [i, id] of ids.entries())
      options?.onProgress?.({ done: i + 1, total: ids.length, id });
    return {
      moved: ids,
      requeued: [],
      skipped: [],
      dryRun: options?.dryRun === true,
      selected: ids,
    };
  },
} as unknown as Operator;

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = buildConsoleApp({
    operator,
    token: TOKEN,
    log: pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await app?.close();
});

/** A request with any headers, Host included (fetch sets its own Host). */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const act = (body: unknown, headers: Record<string, string> = {}) =>
  send(
    'POST',
    '/api/actions/redrive',
    { 'content-type': 'application/json', [TOKEN_HEADER]: TOKEN, ...headers },
    JSON.stringify(body),
  );

describe('the console over HTTP', () => {
  it('serves its pages with the run token, a strict CSP and no framing', async () => {
    const page = await send('GET', '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<meta name="console-token" content="${TOKEN}">`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const chart = await send('GET', '/assets/uPlot.iife.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers['content-type']).toContain('javascript');
  });

  it('refuses another Host (DNS rebinding) and another Origin, reading or acting', async () => {
    const port = new URL(base).port;
    const rebound = await send('GET', '/api/webhooks', { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.text)).toMatchObject({ error: { code: 'forbidden_host' } });
    const foreign = await act({ ids: [ID], dryRun: true }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text)).toMatchObject({ error: { code: 'forbidden_origin' } });
    const otherPort = await send('GET', '/api/webhooks', { origin: 'http://127.0.0.1:1' });
    expect(otherPort.status).toBe(403);
    expect(calls).toEqual([]);
    expect(logLines.filter((l) => l.event === 'console.refused').map((l) => l.code)).toEqual(
      expect.arrayContaining(['forbidden_host', 'forbidden_origin']),
    );
  });

  it('acts only with the run token and a JSON body', async () => {
    const missing = await act({ ids: [ID], dryRun: true }, { [TOKEN_HEADER]: '' });
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.text)).toMatchObject({ error: { code: 'invalid_token' } });
    const wrong = await act({ ids: [ID], dryRun: true }, { [TOKEN_HEADER]: `${TOKEN}x` });
    expect(wrong.status).toBe(403);
    const text = await act({ ids: [ID], dryRun: true }, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(calls).toEqual([]);
  });

  it('answers a dry run at once, and runs an action as a job with progress', async () => {
    const dry = await act({ filter: { provider: 'stripe', since: '1h' }, dryRun: true });
    expect(dry.status).toBe(200);
    expect(JSON.parse(dry.text)).toMatchObject({ dryRun: true, moved: [ID] });
    expect(calls.at(-1)).toMatchObject({
      action: 'redrive',
      selection: { filter: { provider: 'stripe' } },
      options: { dryRun: true },
    });

    const started = await act({ ids: [ID] });
    expect(started.status).toBe(202);
    const { job } = JSON.parse(started.text) as { job: { id: string; total: number } };
    expect(job.total).toBe(1);
    let state: { state: string; done: number; result?: { moved: string[] } };
    do state = JSON.parse((await send('GET', `/api/jobs/${job.id}`)).text);
    while (state.state === 'running');
    expect(state).toMatchObject({ state: 'finished', done: 1, result: { moved: [ID] } });
  });

  it('escapes what senders wrote: payload, headers and errors are text, not markup', async () => {
    const page = await send('GET', `/webhooks/${ID}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(HOSTILE);
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers bad input with 4xx and a stable code, a failure with 500 and no detail', async () => {
    expect((await act({ ids: ['nope'] })).status).toBe(400);
    expect(JSON.parse((await act({ ids: ['nope'] })).text).error.code).toBe('invalid_argument');
    const badFilter = await send('GET', '/api/webhooks?status=lost');
    expect(badFilter.status).toBe(400);
    expect(JSON.parse(badFilter.text).error.code).toBe('invalid_filter');
    const unknown = await send('GET', '/api/webhooks/00000000-0000-5000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).error.code).toBe('not_found');
    const notAPage = await send('GET', '/webhooks/not-an-id');
    expect(notAPage.status).toBe(404);
    expect(notAPage.headers['content-type']).toContain('text/html');
    const failed = await send('GET', '/api/overview');
    expect(failed.status).toBe(500);
    expect(failed.text).not.toContain('secret detail');
    expect(JSON.parse(failed.text).error.code).toBe('internal_error');
    expect(logLines.some((l) => l.event === 'console.failed' && l.level === 50)).toBe(true);
  });
});
