import { createHmac, randomUUID } from 'node:crypto';
import { sign as librarySign, verifyWithFallback } from '@octokit/webhooks-methods';
import {
  ConfigurationError,
  InvalidEventError,
  SignatureVerificationError,
} from '../shared/errors.js';
import { isoDateTime } from './event-time.js';
import type {
  Headers,
  Provider,
  ProviderDescriptor,
  SignInput,
  VerifiedEvent,
  VerifyInput,
} from './provider.js';
import { bodyText } from './raw-body.js';

/*
 * GitHub signs each delivery with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`,
 * keyed with the webhook's secret, and names it with `X-GitHub-Delivery` (a GUID, the same when a
 * delivery is redelivered) and `X-GitHub-Event`. Verification and signing go through GitHub's
 * official `@octokit/webhooks-methods` (async, constant-time comparison).
 *   Signature: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 *   Headers:   https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
 *
 * Replay: GitHub signs no timestamp and none of its headers, only the body. A captured delivery
 * can be sent again at any time and verifies; there is no tolerance window to enforce. Replay
 * protection therefore rests on the delivery id: a replay under the same `X-GitHub-Delivery`
 * maps to the same webhook id and is answered as a duplicate, never processed twice. A replay
 * under a forged new delivery id is stored as a new webhook, which is why processors must be
 * idempotent on the resource, and why raw bodies and secrets must stay private.
 */

const SIGNATURE_HEADER = 'x-hub-signature-256';
/** The legacy HMAC-SHA1 header GitHub still sends beside the SHA-256 one; never verified. */
const LEGACY_SIGNATURE_HEADER = 'x-hub-signature';
const DELIVERY_HEADER = 'x-github-delivery';
const EVENT_HEADER = 'x-github-event';
const HOOK_ID_HEADER = 'x-github-hook-id';
const TARGET_TYPE_HEADER = 'x-github-hook-installation-target-type';
const TARGET_ID_HEADER = 'x-github-hook-installation-target-id';
/** GitHub's User-Agent is always `GitHub-Hookshot/<build>`. */
const USER_AGENT = 'GitHub-Hookshot/5b1ab4c';

/**
 * Top-level payload objects that are the event's context, not what it is about: their times say
 * nothing about when the event happened (a repository's `updated_at` moves on every push).
 */
const CONTEXT_KEYS = new Set([
  'repository',
  'organization',
  'enterprise',
  'installation',
  'sender',
  'changes',
]);

export interface GitHubHook {
  /** `x-github-hook-id`: the webhook's id. */
  readonly id: string;
  /** `x-github-hook-installation-target-type`: `repository`, `organization`, `app`, … */
  readonly targetType: string;
  /** `x-github-hook-installation-target-id`: the id of that repository, organization or app. */
  readonly targetId: string;
}

export interface GitHubProviderOptions {
  /** Webhook secrets, current first: verification tries each in order. */
  readonly secrets: readonly string[];
  /** What `sign` sends as the hook's headers; GitHub sets them from the real hook. */
  readonly hook?: GitHubHook;
}

/** A repository webhook, as `sign` describes it when no hook is given. */
const DEFAULT_HOOK: GitHubHook = {
  id: '100000001',
  targetType: 'repository',
  targetId: '200000002',
};

export function createGitHubProvider(opts: GitHubProviderOptions): Provider {
  const secrets = [...opts.secrets];
  if (secrets.length === 0 || secrets.some((s) => s.trim() === '')) {
    throw new ConfigurationError(
      'GitHub needs at least one non-blank webhook secret. Set GITHUB_WEBHOOK_SECRET to the ' +
        "secret in the webhook's settings on GitHub.",
      { context: { provider: 'github', secretCount: secrets.length } },
    );
  }
  const hook = opts.hook ?? DEFAULT_HOOK;

  return {
    name: 'github',
    keptHeaders: [
      SIGNATURE_HEADER,
      DELIVERY_HEADER,
      EVENT_HEADER,
      HOOK_ID_HEADER,
      TARGET_TYPE_HEADER,
      TARGET_ID_HEADER,
      'user-agent',
      'content-type',
    ],

    async verify({ rawBody: body, headers, receivedAt }: VerifyInput): Promise<VerifiedEvent> {
      const signature = headers[SIGNATURE_HEADER];
      if (signature === undefined || signature === '') {
        const legacyOnly = Boolean(headers[LEGACY_SIGNATURE_HEADER]);
        throw signatureError(
          legacyOnly
            ? 'Missing x-hub-signature-256 header; only the legacy SHA-1 x-hub-signature is ' +
                'present, which this receiver does not accept. Forward all headers as GitHub sent them.'
            : 'Missing x-hub-signature-256 header. GitHub signs deliveries only when the webhook ' +
                'has a secret: set one in its settings. Does your proxy forward all headers?',
          'missing_header',
          { missing: [SIGNATURE_HEADER] },
        );
      }
      if (!/^sha256=[0-9a-f]{64}$/.test(signature)) {
        throw signatureError(
          'Malformed x-hub-signature-256 header: expected "sha256=" and 64 lower-case hex digits. ' +
            'Forward the header exactly as GitHub sent it.',
          'malformed_header',
        );
      }
      if (body.length === 0) {
        throw signatureError(
          'The request body is empty. Are you passing the raw request body?',
          'empty_body',
        );
      }
      const rawBody = bodyText(body, 'GitHub');
      // The library's own rotation helper: the first secret, then each of the others.
      const matched: unknown = await verifyWithFallback(
        secrets[0]!,
        rawBody,
        signature,
        secrets.slice(1),
      );
      if (matched !== true) {
        throw signatureError(
          'The x-hub-signature-256 matches no configured GitHub webhook secret. Are you passing ' +
            'the raw request body, byte for byte, and is GITHUB_WEBHOOK_SECRET the secret of ' +
            'this webhook?',
          'no_matching_signature',
        );
      }
      return toVerifiedEvent(headers, rawBody, receivedAt);
    },

    // GitHub signs no time, so SignInput.timestamp has no header to go into.
    async sign({ rawBody, eventId, eventType }: SignInput): Promise<Record<string, string>> {
      const event = eventType?.split('.')[0];
      if (event === undefined || !EVENT_NAME.test(event)) {
        throw new InvalidEventError(
          'GitHub sends the event type in the x-github-event header, so signing needs one: pass ' +
            'eventType, e.g. "push" or "issues.opened" (the part after the dot is the body\'s ' +
            '"action").',
          { context: { provider: 'github' } },
        );
      }
      return {
        [SIGNATURE_HEADER]: await librarySign(secrets[0]!, rawBody),
        // GitHub still sends the SHA-1 signature for old receivers; the library no longer makes it.
        [LEGACY_SIGNATURE_HEADER]: `sha1=${createHmac('sha1', secrets[0]!).update(rawBody).digest('hex')}`,
        [DELIVERY_HEADER]: eventId ?? randomUUID(),
        [EVENT_HEADER]: event,
        [HOOK_ID_HEADER]: hook.id,
        [TARGET_TYPE_HEADER]: hook.targetType,
        [TARGET_ID_HEADER]: hook.targetId,
        'user-agent': USER_AGENT,
        'content-type': 'application/json',
      };
    },
  };
}

/** GitHub's event names: `push`, `pull_request`, `check_run`, … */
const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
/** Delivery ids are GUIDs; accept any opaque token, never control characters (length: limits.ts). */
const DELIVERY_ID = /^[\x21-\x7e]+$/;

function toVerifiedEvent(headers: Headers, rawBody: string, receivedAt: Date): VerifiedEvent {
  const delivery = headers[DELIVERY_HEADER];
  const event = headers[EVENT_HEADER];
  const missing = [
    [DELIVERY_HEADER, delivery],
    [EVENT_HEADER, event],
  ]
    .filter(([, value]) => value === undefined || value === '')
    .map(([name]) => name);
  if (!delivery || !event) {
    throw new InvalidEventError(
      `The GitHub signature is valid but the ${missing.join(' and ')} ` +
        `header${missing.length > 1 ? 's are' : ' is'} missing. Does your proxy forward all headers?`,
      { context: { provider: 'github', missing } },
    );
  }
  if (!DELIVERY_ID.test(delivery)) {
    throw invalidEvent('The x-github-delivery header is not a delivery id (a GUID).');
  }
  if (!EVENT_NAME.test(event)) {
    throw invalidEvent('The x-github-event header is not an event name (e.g. push, issues).');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch (err) {
    throw new InvalidEventError(
      'The GitHub signature is valid but the body is not JSON. Set the webhook\'s "Content ' +
        'type" to application/json in its settings on GitHub, and pass the raw request body, ' +
        'decoded as UTF-8.',
      { cause: err, context: { provider: 'github' } },
    );
  }
  if (!isRecord(payload)) {
    throw invalidEvent('The verified GitHub body is not a JSON object.');
  }
  const { action } = payload;
  const eventType = typeof action === 'string' && action !== '' ? `${event}.${action}` : event;
  /*
   * GitHub sends no event time. The closest it gives is the `updated_at` (else `created_at`) of
   * the objects the event is about (`issue`, `pull_request`, `comment`, …): an event that changes
   * a resource moves its `updated_at`, so the latest of these is when the event happened. Context
   * objects (repository, organization, sender, …) are skipped. Events that carry no such time
   * (`push`, deletions of objects without one) fall back to the time of receipt, which orders
   * them by arrival: the best there is without a time from GitHub.
   */
  const occurredAt = latestResourceTime(payload) ?? receivedAt.toISOString();
  // The delivery id stays the same when GitHub redelivers, so it deduplicates.
  return { eventId: delivery, eventType, occurredAt, payload };
}

function latestResourceTime(payload: Record<string, unknown>): string | undefined {
  let latest: string | undefined;
  for (const [key, value] of Object.entries(payload)) {
    if (CONTEXT_KEYS.has(key) || !isRecord(value)) continue;
    const time = isoDateTime(value.updated_at) ?? isoDateTime(value.created_at);
    if (time !== undefined && (latest === undefined || time > latest)) latest = time;
  }
  return latest;
}

function signatureError(
  message: string,
  reason: string,
  context: Record<string, unknown> = {},
): SignatureVerificationError {
  return new SignatureVerificationError(message, {
    context: { provider: 'github', reason, ...context },
  });
}

function invalidEvent(message: string): InvalidEventError {
  return new InvalidEventError(`${message} Is this a GitHub webhook delivery?`, {
    context: { provider: 'github' },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The github sender: see ProviderDescriptor. */
export const github: ProviderDescriptor<'github', Provider> = {
  name: 'github',
  secret: {
    variable: 'GITHUB_WEBHOOK_SECRET',
    localDefault: 'github_local_webhook_secret',
    optional: true,
  },
  create: (secrets) => createGitHubProvider({ secrets }),
  eventIdOf: (_rawBody, headers) => headers['x-github-delivery'],
};
