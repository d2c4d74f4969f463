import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/emulator.js';
import { RECEIVER_PRESENTATION } from '../../tools/receiver-presentation.js';
import { uniqueStackName } from '../helpers/local-storage.js';

/*
 * The emulator's own routes and its Lambda Invoke API answer this machine's tools only, not a
 * web page the developer visits (cross-site requests, DNS rebinding); the webhook capture route
 * takes any Host and Origin, as senders and tunnels send them.
 */
let emulator: RunningEmulator;
let port: number;

beforeAll(async () => {
  const shared = inject('localAws');
  emulator = await startEmulator({
    ...RECEIVER_PRESENTATION,
    apiPort: 0,
    dynamodbPort: 0,
    sqsPort: 0,
    logger: pino({ level: 'silent' }),
    functionLogs: () => {},
    onNotification: () => {},
    ...(shared
      ? { storage: shared, assemblyDir: shared.assemblyDir, stackName: uniqueStackName() }
      : {}),
  });
  port = Number(new URL(emulator.endpoints.api).port);
});
afterAll(async () => {
  await emulator?.stop();
});

/** A raw HTTP request, so Host can be any name (as a rebinding page's would be). */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; body: { error?: { code?: string } } }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        response.on('end', () => {
          let parsed: { error?: { code?: string } } = {};
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const INVOKE = '/_emulator/functions/NoSuchFunction/invoke';
const LAMBDA_INVOKE = '/2015-03-31/functions/NoSuchFunction/invocations';
const JSON_TYPE = { 'content-type': 'application/json' };

describe("the emulator's own routes", () => {
  it('answer a local tool (local Host, no Origin)', async () => {
    expect((await send('GET', '/_emulator/outputs', {})).status).toBe(200);
    expect(await send('POST', INVOKE, JSON_TYPE, '{}')).toMatchObject({
      status: 404,
      body: { error: { code: 'function_not_found' } },
    });
    expect((await send('POST', LAMBDA_INVOKE, JSON_TYPE, '{}')).status).toBe(404);
  });

  it.each([
    ['GET', '/_emulator/outputs'],
    ['POST', INVOKE],
    ['POST', LAMBDA_INVOKE],
  ])('refuse %s %s from a DNS-rebinding page (its own Host) with 403', async (method, path) => {
    const answer = await send(
      method,
      path,
      { ...JSON_TYPE, host: `rebound.example:${port}` },
      '{}',
    );
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden_host' } } });
  });

  it.each([
    ['GET', '/_emulator/outputs'],
    ['POST', INVOKE],
    ['POST', LAMBDA_INVOKE],
  ])('refuse %s %s from a cross-site page (its Origin) with 403', async (method, path) => {
    const answer = await send(method, path, { ...JSON_TYPE, origin: 'https://evil.example' }, '{}');
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden_origin' } } });
  });

  it.each([INVOKE, LAMBDA_INVOKE])(
    'refuse a text/plain or form POST to %s (sendable without a preflight) with 415',
    async (path) => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const answer = await send('POST', path, { 'content-type': type }, '{}');
        expect(answer).toMatchObject({
          status: 415,
          body: { error: { code: 'unsupported_media_type' } },
        });
      }
    },
  );
});

describe('the webhook capture route', () => {
  it('is not guarded: any Host and Origin reach the function (here: an unsigned request, 401)', async () => {
    const answer = await send(
      'POST',
      '/api/webhooks/stripe',
      { 'content-type': 'text/plain', host: 'tunnel.example', origin: 'https://evil.example' },
      '{}',
    );
    expect(answer).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
  });
});
