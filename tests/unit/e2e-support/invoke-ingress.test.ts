import { type InvokeCommand, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { invokeFetch } from '../../../e2e/support/invoke-ingress.js';
import { postTo } from '../../../e2e/support/test-stack.js';

/*
 * The invoke ingress: what API Gateway would do for the capture route, done with Lambda's Invoke
 * API. A stub Lambda client stands in for the service: it records each InvokeCommand and answers
 * as Lambda's Invoke does (StatusCode, FunctionError, Payload bytes).
 */
const FUNCTION = 'WebhookReceiver-CaptureFunction-Abc';
const BASE = `lambda-invoke://${FUNCTION}`;

interface InvokeAnswer {
  readonly FunctionError?: string;
  readonly payload: string;
}

function stubLambda(answer: (event: APIGatewayProxyEventV2) => InvokeAnswer) {
  const commands: InvokeCommand[] = [];
  const send = vi.fn(async (command: InvokeCommand) => {
    commands.push(command);
    const event = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString('utf8'));
    const { FunctionError, payload } = answer(event);
    return {
      StatusCode: 200,
      ...(FunctionError ? { FunctionError } : {}),
      Payload: new Uint8Array(Buffer.from(payload)),
    };
  });
  const events = () =>
    commands.map(
      (c) =>
        JSON.parse(
          Buffer.from(c.input.Payload as Uint8Array).toString('utf8'),
        ) as APIGatewayProxyEventV2,
    );
  // biome-ignore lint/suspicious/noExplicitAny: a stand-in for LambdaClient#send's overloads
  return { lambda: { send } as any, commands, events };
}

const accepted = () => ({
  payload: JSON.stringify({
    statusCode: 202,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'wh_1' }),
  }),
});

describe('invokeFetch: the event', () => {
  it('invokes the named function synchronously with an HTTP API 2.0 event for the route', async () => {
    const { lambda, commands, events } = stubLambda(accepted);
    const post = postTo(BASE, invokeFetch(lambda, FUNCTION));

    await post('stripe', '{"id":"evt_1"}', {
      'Stripe-Signature': 't=1,v1=AbC',
      'Content-Type': 'application/json',
    });

    expect(commands).toHaveLength(1);
    expect(commands[0]!.input).toMatchObject({
      FunctionName: FUNCTION,
      InvocationType: 'RequestResponse',
    });
    const [event] = events();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /api/webhooks/{provider}',
      rawPath: '/api/webhooks/stripe',
      rawQueryString: '',
      pathParameters: { provider: 'stripe' },
      body: '{"id":"evt_1"}',
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'POST /api/webhooks/{provider}',
        stage: '$default',
        http: { method: 'POST', path: '/api/webhooks/stripe', protocol: 'HTTP/1.1' },
      },
    });
    expect(event!.headers).toMatchObject({
      'stripe-signature': 't=1,v1=AbC',
      'content-type': 'application/json',
      'content-length': '14',
    });
    for (const name of Object.keys(event!.headers)) expect(name).toBe(name.toLowerCase());
  });

  it('gives a body without a content type the one fetch would send, and keeps it as text', async () => {
    const { lambda, events } = stubLambda(accepted);
    await postTo(BASE, invokeFetch(lambda, FUNCTION))('bigcommerce', 'plain', {});
    const [event] = events();
    expect(event!.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(event).toMatchObject({ body: 'plain', isBase64Encoded: false });
  });

  it('base64-encodes a body that is not text, as API Gateway does', async () => {
    const { lambda, events } = stubLambda(accepted);
    await invokeFetch(lambda, FUNCTION)(`${BASE}/api/webhooks/stripe`, {
      method: 'POST',
      body: new Uint8Array([0xff, 0x00, 0x01]),
      headers: { 'content-type': 'application/octet-stream' },
    });
    const [event] = events();
    expect(event).toMatchObject({ body: '/wAB', isBase64Encoded: true });
  });

  it('answers 404 for anything but POST on the route, without invoking', async () => {
    const { lambda, commands } = stubLambda(accepted);
    const fetchImpl = invokeFetch(lambda, FUNCTION);
    for (const [url, method] of [
      [`${BASE}/api/webhooks/stripe`, 'GET'],
      [`${BASE}/api/webhooks/`, 'POST'],
      [`${BASE}/api/other/stripe`, 'POST'],
    ] as const) {
      const response = await fetchImpl(url, { method, ...(method === 'POST' ? { body: '' } : {}) });
      expect(response.status, `${method} ${url}`).toBe(404);
      expect(await response.json()).toEqual({
        error: { code: 'route_not_found', message: 'Not Found' },
      });
    }
    expect(commands).toHaveLength(0);
  });
});

describe('invokeFetch: the answer, as postTo() gives it', () => {
  it('maps a structured result to its status, headers and body', async () => {
    const { lambda } = stubLambda(accepted);
    const fetchImpl = invokeFetch(lambda, FUNCTION);
    const response = await fetchImpl(`${BASE}/api/webhooks/stripe`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await postTo(BASE, fetchImpl)('stripe', '{}', {})).toEqual({
      status: 202,
      body: { id: 'wh_1' },
    });
  });

  it('maps the capture error answers unchanged (401 with its stable code)', async () => {
    const error = { error: { code: 'invalid_signature', message: 'No valid signature.' } };
    const { lambda } = stubLambda(() => ({
      payload: JSON.stringify({ statusCode: 401, body: JSON.stringify(error) }),
    }));
    expect(await postTo(BASE, invokeFetch(lambda, FUNCTION))('stripe', '{}', {})).toEqual({
      status: 401,
      body: error,
    });
  });

  it('takes a bare value as a 200 with the value as JSON (payload format 2.0)', async () => {
    const { lambda } = stubLambda(() => ({ payload: JSON.stringify({ ok: true }) }));
    const response = await invokeFetch(lambda, FUNCTION)(`${BASE}/api/webhooks/stripe`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('decodes a base64-encoded result body', async () => {
    const { lambda } = stubLambda(() => ({
      payload: JSON.stringify({
        statusCode: 200,
        isBase64Encoded: true,
        body: Buffer.from('bytes').toString('base64'),
      }),
    }));
    const response = await invokeFetch(lambda, FUNCTION)(`${BASE}/api/webhooks/stripe`, {
      method: 'POST',
      body: '{}',
    });
    expect(await response.text()).toBe('bytes');
  });

  it('answers a function error with 500 internal_error, revealing nothing of it', async () => {
    const { lambda } = stubLambda(() => ({
      FunctionError: 'Unhandled',
      payload: JSON.stringify({
        errorType: 'TypeError',
        errorMessage: 'secret whsec_abc leaked in a message',
        trace: ['at handler (index.mjs:1:1)'],
      }),
    }));
    const answer = await postTo(BASE, invokeFetch(lambda, FUNCTION))('stripe', '{}', {});
    expect(answer).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: 'Internal Server Error' } },
    });
  });

  it('answers a function timeout with 503, as the embedded API does, so the sender retries', async () => {
    const { lambda } = stubLambda(() => ({
      FunctionError: 'Unhandled',
      payload: JSON.stringify({
        errorType: 'Sandbox.Timedout',
        errorMessage: 'Task timed out after 5.00 seconds',
      }),
    }));
    const answer = await postTo(BASE, invokeFetch(lambda, FUNCTION))('stripe', '{}', {});
    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'service_unavailable' } } });
  });

  it('answers 500 for a result API Gateway could not read', async () => {
    const { lambda } = stubLambda(() => ({ payload: 'not json' }));
    const answer = await postTo(BASE, invokeFetch(lambda, FUNCTION))('stripe', '{}', {});
    expect(answer).toMatchObject({ status: 500, body: { error: { code: 'internal_error' } } });
  });

  it("lets Lambda's own errors through (no such function): the setup is wrong, not the receiver", async () => {
    const lambda = {
      send: vi.fn(async () => {
        throw new ResourceNotFoundException({ message: 'Function not found', $metadata: {} });
      }),
      // biome-ignore lint/suspicious/noExplicitAny: a stand-in for LambdaClient#send
    } as any;
    await expect(postTo(BASE, invokeFetch(lambda, FUNCTION))('stripe', '{}', {})).rejects.toThrow(
      'Function not found',
    );
  });
});
