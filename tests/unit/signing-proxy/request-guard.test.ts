import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from '../../../tools/signing-proxy/app.js';

/*
 * The proxy signs with real secrets for whoever reaches it. A web page must not be able to make
 * it sign and send: not cross-site (Origin, or a body a page may send without a preflight), not
 * by DNS rebinding (Host). app.inject only: no network, and the receiver is a counting fake.
 */

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function proxy(options: { allowedHostnames?: readonly string[] } = {}) {
  const sent: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const fetch = (async (url: string | URL | Request) => {
    sent.push(String(url));
    return new Response(JSON.stringify({ id: 'wh_1' }), {
      status: 202,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof globalThis.fetch;
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  app = build({
    receiverUrl: 'http://127.0.0.1:3000',
    fetch,
    logger: { level: 'info', stream },
    ...options,
  });
  return { app, sent, logs };
}

const SEND = '/send/stripe/payment_intent.succeeded';
const YAML = 'seed: 1\nevents:\n  - provider: stripe\n    type: payment_intent.succeeded\n';

describe('what a web page can send without a preflight', () => {
  it.each([
    ['text/plain', SEND, '{}'],
    ['application/x-www-form-urlencoded', SEND, 'count=5'],
    ['multipart/form-data; boundary=x', SEND, '--x--\r\n'],
    ['text/plain', '/scenario', YAML],
    ['text/plain;charset=UTF-8', '/forward/stripe', '{"id":"evt_1","type":"x"}'],
  ])('%s to %s is refused with 415 before anything is signed or sent', async (type, url, body) => {
    const { app, sent, logs } = proxy();
    const response = await app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { 'content-type': type },
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({
      error: {
        code: 'unsupported_content_type',
        message: expect.stringContaining('application/json'),
      },
    });
    expect(sent).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 40, code: 'unsupported_content_type', url }),
    );
  });

  it('refuses a body-less POST (?count=N) with 415, and takes it with content-type: application/json', async () => {
    const { app, sent } = proxy();
    const bare = await app.inject({ method: 'POST', url: `${SEND}?count=3` });
    expect(bare.statusCode).toBe(415);
    expect(bare.json().error.code).toBe('unsupported_content_type');
    expect(sent).toEqual([]);

    const asJson = await app.inject({
      method: 'POST',
      url: `${SEND}?count=3`,
      headers: { 'content-type': 'application/json' },
    });
    expect(asJson.statusCode, asJson.body).toBe(200);
    expect(sent).toHaveLength(3);
  });

  it('takes a scenario as application/yaml, not as text/plain', async () => {
    const { app, sent } = proxy();
    const plain = await app.inject({
      method: 'POST',
      url: '/scenario',
      payload: YAML,
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.statusCode).toBe(415);
    expect(sent).toEqual([]);
    const yaml = await app.inject({
      method: 'POST',
      url: '/scenario',
      payload: YAML,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(yaml.statusCode, yaml.body).toBe(200);
    expect(sent).toHaveLength(1);
  });
});

describe('Origin', () => {
  it.each([
    ['another site', 'https://attacker.example'],
    ['a sandboxed frame or a file', 'null'],
    ['another local port', 'http://127.0.0.1:8080'],
  ])('from %s is refused with 403, whatever the content type', async (_from, origin) => {
    const { app, sent, logs } = proxy();
    const response = await app.inject({
      method: 'POST',
      url: SEND,
      headers: { host: '127.0.0.1:3001', origin, 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: { code: 'cross_origin_refused', message: expect.any(String) },
    });
    expect(sent).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 40, code: 'cross_origin_refused', origin }),
    );
  });

  it("is taken when it is the proxy's own, and refused on a read too when it is not", async () => {
    const { app, sent } = proxy();
    const own = await app.inject({
      method: 'POST',
      url: SEND,
      headers: {
        host: 'localhost:3001',
        origin: 'http://localhost:3001',
        'content-type': 'application/json',
      },
    });
    expect(own.statusCode, own.body).toBe(200);
    expect(sent).toHaveLength(1);
    const read = await app.inject({
      method: 'GET',
      url: '/catalogue',
      headers: { host: 'localhost:3001', origin: 'https://attacker.example' },
    });
    expect(read.statusCode).toBe(403);
  });
});

describe('Host (DNS rebinding)', () => {
  it.each([
    ['a rebinding hostname', 'attacker.example:3001'],
    ['a look-alike', 'localhost.attacker.example:3001'],
    ['a wildcard address', '0.0.0.0:3001'],
    ['garbage', 'localhost:3001/path'],
  ])('naming %s is refused with 403, reads included', async (_what, host) => {
    const { app, sent, logs } = proxy();
    for (const request of [
      { method: 'POST' as const, url: SEND },
      { method: 'GET' as const, url: '/catalogue' },
    ]) {
      const response = await app.inject({
        ...request,
        // Same-origin for the page that rebound its name: Origin matches Host.
        headers: { host, origin: `http://${host}`, 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('host_refused');
    }
    expect(sent).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 40, code: 'host_refused' }));
  });

  it('takes the loopback names, with or without a port, and a configured PROXY_HOST name', async () => {
    const { app, sent } = proxy({ allowedHostnames: ['signing-proxy'] });
    for (const host of [
      '127.0.0.1:3001',
      'localhost:3001',
      'LOCALHOST',
      '[::1]:3001',
      'signing-proxy:3001',
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: SEND,
        headers: { host, 'content-type': 'application/json' },
      });
      expect(response.statusCode, `${host}: ${response.body}`).toBe(200);
    }
    expect(sent).toHaveLength(5);
    const other = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { host: 'attacker.example' },
    });
    expect(other.statusCode).toBe(403);
  });
});
