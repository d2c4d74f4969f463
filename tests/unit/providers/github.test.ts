import { createHmac } from 'node:crypto';
import { sign as octokitSign, verifyWithFallback } from '@octokit/webhooks-methods';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGitHubProvider } from '../../../services/providers/github.js';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../../../services/shared/errors.js';
import { githubIssuesEvent } from '../../../tools/signing-proxy/events.js';

// Pass-through spies: the provider must verify and sign through GitHub's official library.
vi.mock('@octokit/webhooks-methods', async (importOriginal) => {
  const original = await importOriginal<typeof import('@octokit/webhooks-methods')>();
  return {
    ...original,
    sign: vi.fn(original.sign),
    verifyWithFallback: vi.fn(original.verifyWithFallback),
  };
});

const SECRET = 'unit-test-github-primary-secret-0123456789';
const ROTATED_SECRET = 'unit-test-github-rotated-secret-0123456789';
const WRONG_SECRET = 'unit-test-github-wrong-secret-00123456789';
const NOW = new Date('2025-06-01T12:00:00.000Z');
const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

const provider = createGitHubProvider({ secrets: [SECRET] });

/** The headers GitHub sends, signed straight through the official library, not through `sign`. */
async function githubHeaders(
  rawBody: string,
  { secret = SECRET, event = 'issues', delivery = DELIVERY } = {},
): Promise<Record<string, string>> {
  return {
    'x-hub-signature-256': await octokitSign(secret, rawBody),
    'x-github-event': event,
    'x-github-delivery': delivery,
    'content-type': 'application/json',
  };
}

function body(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(githubIssuesEvent(overrides));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection, the promise resolved');
}

async function expectSignatureError(
  promise: Promise<unknown>,
  reason: string,
): Promise<SignatureVerificationError> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(SignatureVerificationError);
  expect((err as SignatureVerificationError).context.reason).toBe(reason);
  return err as SignatureVerificationError;
}

afterEach(() => {
  vi.clearAllMocks();
});

describe('github provider: conformance with GitHub’s published test values', () => {
  /*
   * "Testing the webhook payload validation", in
   * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
   * (github/docs: content/webhooks/using-webhooks/validating-webhook-deliveries.md):
   * secret "It's a Secret to Everybody", payload "Hello, World!".
   */
  const DOCS_SECRET = "It's a Secret to Everybody";
  const DOCS_PAYLOAD = 'Hello, World!';
  const DOCS_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
  const docs = createGitHubProvider({ secrets: [DOCS_SECRET] });

  it('signs the docs payload to the docs X-Hub-Signature-256', async () => {
    const headers = await docs.sign({ rawBody: DOCS_PAYLOAD, timestamp: NOW, eventType: 'ping' });
    expect(headers['x-hub-signature-256']).toBe(DOCS_SIGNATURE);
  });

  it('accepts the docs signature: the body then fails only as an event (it is not JSON)', async () => {
    const err = await rejection(
      Promise.resolve(
        docs.verify({
          rawBody: DOCS_PAYLOAD,
          headers: {
            'x-hub-signature-256': DOCS_SIGNATURE,
            'x-github-event': 'ping',
            'x-github-delivery': DELIVERY,
          },
          receivedAt: NOW,
        }),
      ),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/not JSON/);
  });

  it('rejects the docs signature for a changed payload or another secret', async () => {
    const headers = {
      'x-hub-signature-256': DOCS_SIGNATURE,
      'x-github-event': 'ping',
      'x-github-delivery': DELIVERY,
    };
    await expectSignatureError(
      Promise.resolve(docs.verify({ rawBody: 'Hello, World?', headers, receivedAt: NOW })),
      'no_matching_signature',
    );
    await expectSignatureError(
      Promise.resolve(provider.verify({ rawBody: DOCS_PAYLOAD, headers, receivedAt: NOW })),
      'no_matching_signature',
    );
  });
});

describe('github provider', () => {
  it('is named github and keeps the delivery headers', () => {
    expect(provider.name).toBe('github');
    expect(provider.keptHeaders).toEqual(
      expect.arrayContaining(['x-hub-signature-256', 'x-github-event', 'x-github-delivery']),
    );
  });

  it('accepts a delivery signed by the official library: id, type with action, time, payload', async () => {
    const event = githubIssuesEvent();
    const issue = event.issue as { updated_at: string };
    const rawBody = JSON.stringify(event);

    const verified = await provider.verify({
      rawBody,
      headers: await githubHeaders(rawBody),
      receivedAt: NOW,
    });

    expect(verified).toEqual({
      eventId: DELIVERY,
      eventType: 'issues.opened',
      occurredAt: new Date(issue.updated_at).toISOString(),
      payload: event,
    });
  });

  it('verifies through the library’s verifyWithFallback, with every secret', async () => {
    const rotating = createGitHubProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();
    const headers = await githubHeaders(rawBody);

    await rotating.verify({ rawBody, headers, receivedAt: NOW });

    expect(verifyWithFallback).toHaveBeenCalledWith(
      SECRET,
      rawBody,
      headers['x-hub-signature-256'],
      [ROTATED_SECRET],
    );
  });

  it('uses the bare event name when the payload has no action', async () => {
    const rawBody = JSON.stringify({ ref: 'refs/heads/main', after: 'abc', commits: [] });
    const verified = await provider.verify({
      rawBody,
      headers: await githubHeaders(rawBody, { event: 'push' }),
      receivedAt: NOW,
    });
    expect(verified.eventType).toBe('push');
  });

  it('takes occurredAt from the latest resource time, never from the repository or sender', async () => {
    const rawBody = body({
      action: 'created',
      issue: { number: 7, created_at: '2025-05-01T00:00:00Z', updated_at: '2025-05-31T10:00:00Z' },
      comment: { id: 1, created_at: '2025-05-31T10:00:00Z', updated_at: '2025-05-31T10:00:05Z' },
      repository: { id: 1, updated_at: '2025-06-01T11:59:00Z' },
      sender: { login: 'octocat', updated_at: '2025-06-01T11:59:30Z' },
    });
    const verified = await provider.verify({
      rawBody,
      headers: await githubHeaders(rawBody, { event: 'issue_comment' }),
      receivedAt: NOW,
    });
    expect(verified.eventType).toBe('issue_comment.created');
    expect(verified.occurredAt).toBe('2025-05-31T10:00:05.000Z');
  });

  it('falls back to the created_at of a resource without updated_at', async () => {
    const rawBody = body({
      action: 'published',
      issue: undefined,
      release: { id: 1, created_at: '2025-05-20T08:00:00+02:00' },
    });
    const verified = await provider.verify({
      rawBody,
      headers: await githubHeaders(rawBody, { event: 'release' }),
      receivedAt: NOW,
    });
    expect(verified.occurredAt).toBe('2025-05-20T06:00:00.000Z');
  });

  it('falls back to the time of receipt when the payload carries no resource time (push)', async () => {
    const rawBody = JSON.stringify({
      ref: 'refs/heads/main',
      head_commit: { id: 'abc', timestamp: '2025-05-01T00:00:00Z' },
      repository: { id: 1, updated_at: '2025-05-31T00:00:00Z', pushed_at: 1748736000 },
    });
    const verified = await provider.verify({
      rawBody,
      headers: await githubHeaders(rawBody, { event: 'push' }),
      receivedAt: NOW,
    });
    expect(verified.occurredAt).toBe(NOW.toISOString());
  });

  it('signs exactly the headers GitHub sends, through the library, and round-trips', async () => {
    const rawBody = body();
    const headers = await provider.sign({ rawBody, timestamp: NOW, eventType: 'issues.opened' });

    expect(Object.keys(headers).sort()).toEqual(
      [
        'content-type',
        'user-agent',
        'x-github-delivery',
        'x-github-event',
        'x-github-hook-id',
        'x-github-hook-installation-target-id',
        'x-github-hook-installation-target-type',
        'x-hub-signature',
        'x-hub-signature-256',
      ].sort(),
    );
    expect(octokitSign).toHaveBeenCalledWith(SECRET, rawBody);
    expect(headers).toMatchObject({
      'x-hub-signature-256': await octokitSign(SECRET, rawBody),
      'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(rawBody).digest('hex')}`,
      'x-github-event': 'issues',
      'x-github-hook-installation-target-type': 'repository',
      'content-type': 'application/json',
    });
    expect(headers['user-agent']).toMatch(/^GitHub-Hookshot\/[0-9a-f]+$/);
    expect(headers['x-github-delivery']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );

    const verified = await provider.verify({ rawBody, headers, receivedAt: NOW });
    expect(verified).toMatchObject({
      eventId: headers['x-github-delivery'],
      eventType: 'issues.opened',
    });
  });

  it('signs with the given delivery id and hook', async () => {
    const custom = createGitHubProvider({
      secrets: [SECRET],
      hook: { id: '42', targetType: 'organization', targetId: '7' },
    });
    const headers = await custom.sign({
      rawBody: body(),
      timestamp: NOW,
      eventId: DELIVERY,
      eventType: 'push',
    });
    expect(headers).toMatchObject({
      'x-github-delivery': DELIVERY,
      'x-github-event': 'push',
      'x-github-hook-id': '42',
      'x-github-hook-installation-target-type': 'organization',
      'x-github-hook-installation-target-id': '7',
    });
  });

  it.each([undefined, '', 'Issues', 'issues opened'])(
    'refuses to sign without a usable event type (%j): GitHub sends it in a header',
    async (eventType) => {
      const err = await rejection(
        Promise.resolve(
          provider.sign({ rawBody: body(), timestamp: NOW, ...(eventType ? { eventType } : {}) }),
        ),
      );
      expect(err).toBeInstanceOf(InvalidEventError);
      expect(err.message).toMatch(/eventType/);
    },
  );

  it('rejects a tampered body and asks whether the raw body is being passed', async () => {
    const rawBody = body();
    const headers = await githubHeaders(rawBody);
    const tampered = rawBody.replace('"opened"', '"closed"');
    expect(tampered).not.toBe(rawBody);

    const err = await expectSignatureError(
      Promise.resolve(provider.verify({ rawBody: tampered, headers, receivedAt: NOW })),
      'no_matching_signature',
    );
    expect(err.message).toMatch(/raw request body/);
  });

  it('rejects a re-serialised body (same JSON, different bytes)', async () => {
    const rawBody = body();
    const headers = await githubHeaders(rawBody);
    const pretty = JSON.stringify(JSON.parse(rawBody), null, 2);
    await expectSignatureError(
      Promise.resolve(provider.verify({ rawBody: pretty, headers, receivedAt: NOW })),
      'no_matching_signature',
    );
  });

  it('rejects a signature made with another secret', async () => {
    const rawBody = body();
    await expectSignatureError(
      Promise.resolve(
        provider.verify({
          rawBody,
          headers: await githubHeaders(rawBody, { secret: WRONG_SECRET }),
          receivedAt: NOW,
        }),
      ),
      'no_matching_signature',
    );
  });

  it('accepts a payload signed with the second of two secrets (rotation), signs with the first', async () => {
    const rotating = createGitHubProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();

    const verified = await rotating.verify({
      rawBody,
      headers: await githubHeaders(rawBody, { secret: ROTATED_SECRET }),
      receivedAt: NOW,
    });
    expect(verified.eventId).toBe(DELIVERY);
    const signed = await rotating.sign({ rawBody, timestamp: NOW, eventType: 'issues' });
    expect(signed['x-hub-signature-256']).toBe(await octokitSign(SECRET, rawBody));
  });

  it('rejects a request without x-hub-signature-256, hinting that the webhook needs a secret', async () => {
    const rawBody = body();
    const headers: Record<string, string | undefined> = { ...(await githubHeaders(rawBody)) };
    delete headers['x-hub-signature-256'];

    const err = await expectSignatureError(
      Promise.resolve(provider.verify({ rawBody, headers, receivedAt: NOW })),
      'missing_header',
    );
    expect(err.message).toMatch(/x-hub-signature-256/);
    expect(err.message).toMatch(/secret/);
    expect(err.context.missing).toEqual(['x-hub-signature-256']);
  });

  it('does not accept the legacy SHA-1 x-hub-signature alone, and says so', async () => {
    const rawBody = body();
    const headers: Record<string, string | undefined> = {
      ...(await githubHeaders(rawBody)),
      'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(rawBody).digest('hex')}`,
    };
    delete headers['x-hub-signature-256'];

    const err = await expectSignatureError(
      Promise.resolve(provider.verify({ rawBody, headers, receivedAt: NOW })),
      'missing_header',
    );
    expect(err.message).toMatch(/legacy SHA-1/);
  });

  it.each([
    ['a sha1= signature', `sha1=${'a'.repeat(40)}`],
    ['upper-case hex', `sha256=${'A'.repeat(64)}`],
    ['a short digest', 'sha256=abc123'],
    ['no algorithm prefix', 'b'.repeat(64)],
  ])('rejects %s as malformed', async (_, signature) => {
    const rawBody = body();
    const headers = { ...(await githubHeaders(rawBody)), 'x-hub-signature-256': signature };
    await expectSignatureError(
      Promise.resolve(provider.verify({ rawBody, headers, receivedAt: NOW })),
      'malformed_header',
    );
    expect(verifyWithFallback).not.toHaveBeenCalled();
  });

  it('rejects an empty body before the library (which would throw on it)', async () => {
    const headers = await githubHeaders('x');
    const err = await expectSignatureError(
      Promise.resolve(provider.verify({ rawBody: '', headers, receivedAt: NOW })),
      'empty_body',
    );
    expect(err.message).toMatch(/raw request body/);
  });

  it.each([
    ['x-github-delivery', ['x-github-delivery']],
    ['x-github-event', ['x-github-event']],
  ])(
    'throws InvalidEventError when a verified delivery lacks the %s header',
    async (name, missing) => {
      const rawBody = body();
      const headers: Record<string, string | undefined> = { ...(await githubHeaders(rawBody)) };
      delete headers[name];

      const err = await rejection(
        Promise.resolve(provider.verify({ rawBody, headers, receivedAt: NOW })),
      );
      expect(err).toBeInstanceOf(InvalidEventError);
      expect(err.message).toContain(name);
      expect((err as InvalidEventError).context.missing).toEqual(missing);
    },
  );

  it.each([
    ['not JSON (a form-encoded delivery)', 'payload=%7B%22action%22%3A%22opened%22%7D', {}],
    ['a JSON array', '[1,2,3]', {}],
    ['from an x-github-event that is no event name', body(), { event: 'Issues; drop' }],
    ['from an x-github-delivery with control characters', body(), { delivery: 'abc\ndef' }],
  ])('throws InvalidEventError for a verified delivery that is %s', async (_, rawBody, opts) => {
    const err = await rejection(
      Promise.resolve(
        provider.verify({ rawBody, headers: await githubHeaders(rawBody, opts), receivedAt: NOW }),
      ),
    );
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toMatch(/GitHub/);
  });

  it('tells a form-encoded sender to switch the webhook to application/json', async () => {
    const rawBody = 'payload=%7B%7D';
    const err = await rejection(
      Promise.resolve(
        provider.verify({ rawBody, headers: await githubHeaders(rawBody), receivedAt: NOW }),
      ),
    );
    expect(err.message).toMatch(/application\/json/);
  });

  it('has no replay window (GitHub signs no time): a replay keeps its delivery id, so it dedups', async () => {
    const rawBody = body();
    const headers = await githubHeaders(rawBody);
    const first = await provider.verify({ rawBody, headers, receivedAt: NOW });
    const weekLater = new Date(NOW.getTime() + 7 * 86_400_000);
    const replay = await provider.verify({ rawBody, headers, receivedAt: weekLater });
    expect(replay.eventId).toBe(first.eventId);
  });

  it('never puts a secret in an error message or context', async () => {
    const rotating = createGitHubProvider({ secrets: [SECRET, ROTATED_SECRET] });
    const rawBody = body();
    const attempts: Array<Record<string, string | undefined>> = [
      {},
      { 'x-hub-signature-256': 'garbage' },
      await githubHeaders(rawBody, { secret: WRONG_SECRET }),
      { 'x-hub-signature-256': (await githubHeaders(rawBody))['x-hub-signature-256'] },
    ];
    const errors = await Promise.all(
      attempts.map((headers) =>
        rejection(Promise.resolve(rotating.verify({ rawBody, headers, receivedAt: NOW }))),
      ),
    );
    errors.push(
      await rejection(
        Promise.resolve(
          rotating.verify({
            rawBody: 'nope',
            headers: await githubHeaders('nope'),
            receivedAt: NOW,
          }),
        ),
      ),
    );
    for (const err of errors) {
      const text = `${err.message}\n${JSON.stringify((err as SignatureVerificationError).context)}`;
      for (const secret of [SECRET, ROTATED_SECRET]) expect(text).not.toContain(secret);
    }
  });

  it('refuses to start without a usable secret', () => {
    expect(() => createGitHubProvider({ secrets: [] })).toThrow(ConfigurationError);
    expect(() => createGitHubProvider({ secrets: [' '] })).toThrow(ConfigurationError);
  });
});
