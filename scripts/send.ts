process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chaosFromFlags } from '../tools/signing-proxy/chaos/chaos-spec.js';
import { parseScenarioText } from '../tools/signing-proxy/chaos/scenario.js';
import { InvalidProxyRequestError } from '../tools/signing-proxy/errors.js';
import { receiverUrl, secretsFromEnv } from '../tools/signing-proxy/proxy-settings.js';
import { formatReport, type RunReport } from '../tools/signing-proxy/run-report.js';
import { createSigningProxy } from '../tools/signing-proxy/signing-proxy.js';

const USAGE = `Usage:
  npm run send -- <provider> <eventType> [options]    one event from the catalogue
  npm run send -- scenario <file.yaml|json> [--receiver URL] [--seed N] [--json]
  npm run send -- forward <provider> <payload.json> [options]   replay a captured body
  npm run send -- catalogue [--json]                   the providers and their events

Options:
  --receiver URL        where to send (default $RECEIVER_URL, else http://127.0.0.1:3000)
  --resource ID         the payment intent / order the event is about (default: a new one)
  --at TIME             provider time of the event (ISO or epoch seconds; default now)
  --data JSON           overrides merged into the event body
  --count N --rate R    a burst: N events at R per second
  --duplicates K        K extra copies of each event; --concurrent sends them at once,
                        otherwise --spacing-ms apart (default 1000)
  --delay-ms MS --jitter-ms MS   hold each event back
  --tamper body|signature        change the body after signing, or the signature
  --stale | --future | --skew-seconds S   sign with a time 600 s in the past / future / S off
  --wrong-secret        sign with a secret the receiver does not know
  --header k=v          an extra request header (repeatable), e.g. x-fault-fail-attempts=1
  --retry [--compress F] [--max-retries N]   retry non-2xx answers on the provider's own
                        schedule divided by F (default 10000)
  --event-id ID --event-type T   forward only: for schemes that carry them in headers
  --seed N              reproduce a run: same events, ids and chaos
  --json                the full report as JSON, for scripts

Secrets come from the receiver's variables (STRIPE_WEBHOOK_SECRET, BIGCOMMERCE_CLIENT_SECRET,
also read from .env); without them the local development defaults sign.
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      receiver: { type: 'string' },
      resource: { type: 'string' },
      at: { type: 'string' },
      data: { type: 'string' },
      count: { type: 'string' },
      rate: { type: 'string' },
      duplicates: { type: 'string' },
      concurrent: { type: 'boolean' },
      'spacing-ms': { type: 'string' },
      'reorder-window': { type: 'string' },
      'delay-ms': { type: 'string' },
      'jitter-ms': { type: 'string' },
      tamper: { type: 'string' },
      stale: { type: 'boolean' },
      future: { type: 'boolean' },
      'skew-seconds': { type: 'string' },
      'wrong-secret': { type: 'boolean' },
      header: { type: 'string', multiple: true },
      retry: { type: 'boolean' },
      compress: { type: 'string' },
      'max-retries': { type: 'string' },
      'max-in-flight': { type: 'string' },
      'event-id': { type: 'string' },
      'event-type': { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [first, second, third] = positionals;
  if (values.help || !first) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (existsSync('.env')) {
    const before = { ...process.env };
    process.loadEnvFile('.env');
    Object.assign(process.env, before);
  }
  const seed = values.seed === undefined ? undefined : integer(values.seed, '--seed');
  const chaos = chaosFromFlags(values);
  const proxyFor = (fallbackReceiver?: string) =>
    createSigningProxy({
      receiverUrl: receiverUrl(
        values.receiver ??
          (process.env.RECEIVER_URL || fallbackReceiver) ??
          `http://127.0.0.1:${process.env.API_PORT || 3000}`,
        '--receiver',
      ),
      secrets: secretsFromEnv(process.env),
    });

  let report: RunReport;
  if (first === 'catalogue') {
    const listing = proxyFor().catalogue();
    process.stdout.write(
      values.json
        ? `${JSON.stringify(listing, null, 2)}\n`
        : `${listing.providers
            .flatMap((p) => [
              p.provider,
              ...p.events.map((e) => `  ${e.type.padEnd(30)} ${e.description}`),
            ])
            .join('\n')}\n`,
    );
    return 0;
  }
  if (first === 'scenario') {
    if (!second)
      throw usage('scenario needs a file: npm run send -- scenario scenarios/chaos-orders.yaml');
    const scenario = parseScenarioText(readFileSync(second, 'utf8'), second);
    report = await proxyFor(scenario.receiver).runScenario(
      scenario,
      seed === undefined ? {} : { seed },
    );
  } else if (first === 'forward') {
    if (!second || !third)
      throw usage('forward needs a provider and a file: forward stripe event.json');
    report = await proxyFor().forward({
      provider: second,
      rawBody: readFileSync(third, 'utf8'),
      ...(values['event-id'] ? { eventId: values['event-id'] } : {}),
      ...(values['event-type'] ? { eventType: values['event-type'] } : {}),
      ...(seed === undefined ? {} : { seed }),
      chaos,
    });
  } else {
    if (!second) throw usage(`Which ${first} event? npm run send -- catalogue lists them.`);
    report = await proxyFor().send({
      provider: first,
      eventType: second,
      ...(values.resource ? { resourceId: values.resource } : {}),
      ...(values.at ? { occurredAt: parseTime(values.at) } : {}),
      ...(values.data ? { overrides: parseOverrides(values.data) } : {}),
      ...(values.count ? { count: integer(values.count, '--count') } : {}),
      ...(seed === undefined ? {} : { seed }),
      chaos,
    });
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(formatReport(report));
    if (report.deliveries.length > 0 && report.deliveries.every((d) => d.response.status === 0)) {
      process.stderr.write(
        `Nothing answered at ${report.receiver}. Is \`npm start\` running? Use --receiver for another URL.\n`,
      );
    }
  }
  return 0;
}

function integer(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw usage(`${name} must be an integer, got "${value}".`);
  return n;
}

function parseTime(value: string): Date {
  const date = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw usage(`--at must be ISO or epoch seconds, got "${value}".`);
  return date;
}

function parseOverrides(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw usage(
      '--data must be a JSON object, e.g. --data \'{"data":{"object":{"amount":500}}}\'.',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw usage('--data must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

function usage(message: string): InvalidProxyRequestError {
  return new InvalidProxyRequestError(message);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known =
      error instanceof InvalidProxyRequestError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ||
      (error as { code?: string }).code === 'unknown_event';
    const message = known ? (error as Error).message : `Failed: ${(error as Error).message}`;
    if (process.argv.includes('--json')) {
      process.stdout.write(
        `${JSON.stringify({ error: { code: (error as { code?: string }).code ?? 'error', message } })}\n`,
      );
    } else process.stderr.write(`${message}\n`);
    process.exitCode = known ? 2 : 1;
  },
);
