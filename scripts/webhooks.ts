process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { sweepWebhooks } from '../services/webhooks/sweep-webhooks.js';
import type { AttemptRecord, WebhookState, WebhookStatus } from '../services/webhooks/webhook.js';
import { readWebhookBody } from '../services/webhooks/webhook-body.js';
import { isWebhookId } from '../services/webhooks/webhook-id.js';
import { redriveWebhooks } from '../tools/operator/redrive-webhooks.js';
import { ReplayRefusedError, replayWebhook } from '../tools/operator/replay-webhook.js';
import { toStatusView } from '../tools/operator/status-view.js';
import {
  openTarget,
  type Target,
  type TargetName,
  TargetUnavailableError,
} from '../tools/operator/targets.js';

/** Warnings and errors of the operator commands, as JSON lines on stderr (stdout is the answer). */
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));

const USAGE = `Usage: npm run webhooks -- <command> [options]

Commands:
  status <id>                 status, attempts, last error, outcome
  show <id>                   the payload, kept headers and every attempt with its error
  list [--status S] [--provider P] [--since T] [--limit N]
                              webhooks needing attention (received|processing|failed|dead),
                              newest first, from the sparse index
  redrive [<id>...|--all] [--dry-run] [--rate N]
                              dead webhooks back to the failed queue (from the DLQ)
  replay <id>                 process a completed webhook again, as a new attempt
  stats                       counts by status and provider; checks that
                              received = completed + dead + in flight (exit 1 if not)
  sweep                       run the sweeper once now (it also runs on its schedule)

Options:
  --json                      JSON on stdout, for scripts
  --target T                  embedded (default) | localstack | aws (uses your AWS credentials)
  --api <url>                 the embedded stack's API (default http://127.0.0.1:$API_PORT, 3000)
`;

const ATTENTION: ReadonlyArray<Exclude<WebhookStatus, 'completed'>> = [
  'received',
  'processing',
  'failed',
  'dead',
];

class UsageError extends Error {}
class NotFoundError extends Error {}

interface Io {
  json: boolean;
  out(text: string): void;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      api: { type: 'string' },
      target: { type: 'string', default: 'embedded' },
      status: { type: 'string' },
      provider: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      all: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      rate: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const io: Io = { json: values.json === true, out: (text) => process.stdout.write(text) };
  const targetName = values.target as TargetName;
  if (!['embedded', 'localstack', 'aws'].includes(targetName)) {
    throw new UsageError(`--target must be embedded, localstack or aws, got "${values.target}".`);
  }
  const commands = ['status', 'show', 'list', 'redrive', 'replay', 'stats', 'sweep'];
  if (!commands.includes(command))
    throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  const ids = args.filter((a) => a.length > 0);
  for (const id of ids)
    if (!isWebhookId(id)) throw new UsageError(`"${id}" is not a webhook id (a UUID).`);
  if (['status', 'show', 'replay'].includes(command) && ids.length !== 1) {
    throw new UsageError(`${command} needs one webhook id.`);
  }

  const target = await openTarget(targetName, {
    apiUrl: values.api ?? `http://127.0.0.1:${process.env.API_PORT ?? 3000}`,
  });
  try {
    switch (command) {
      case 'status':
        return status(target, ids[0]!, io);
      case 'show':
        return show(target, ids[0]!, io);
      case 'list':
        return list(target, values, io);
      case 'redrive':
        return redrive(target, ids, values, io);
      case 'replay':
        return replay(target, ids[0]!, io);
      case 'stats':
        return stats(target, io);
      default:
        return sweep(target, io);
    }
  } finally {
    target.close();
  }
}

async function status(target: Target, id: string, io: Io): Promise<number> {
  const state = await target.table.ledger.getState(id);
  if (!state) throw new NotFoundError(`No webhook ${id}.`);
  const view = toStatusView(state);
  if (io.json) io.out(`${JSON.stringify(view)}\n`);
  else {
    const rows: Array<[string, string]> = [
      ['id', view.id],
      ['provider', view.provider],
      ['type', view.type],
      ['status', paint(view.status)],
      ['attempts', String(view.attempts)],
      ['received', view.receivedAt],
      ['updated', view.updatedAt],
    ];
    if (view.outcome) rows.push(['outcome', view.outcome]);
    if (view.conflicts)
      rows.push([
        'conflicts',
        `${view.conflicts.count} copies with another body (last ${view.conflicts.lastAt ?? '?'}, sha256 ${view.conflicts.sha256 ?? '?'}); the first copy is kept`,
      ]);
    if (view.lastError)
      rows.push([
        'last error',
        `${view.lastError.code}: ${view.lastError.message} (attempt ${view.lastError.attempt}${view.lastError.kind ? `, ${view.lastError.kind}` : ''})`,
      ]);
    io.out(`${rows.map(([k, v]) => `${k.padEnd(11)} ${v}`).join('\n')}\n`);
  }
  return 0;
}

async function show(target: Target, id: string, io: Io): Promise<number> {
  const [state, webhook] = await Promise.all([
    target.table.ledger.getState(id),
    target.table.ledger.getWebhook(id),
  ]);
  if (!state || !webhook) throw new NotFoundError(`No webhook ${id}.`);
  const attempts = Object.values(state.attemptLog ?? {}).sort((a, b) => a.attempt - b.attempt);
  const bytes = await readWebhookBody(webhook, target.payloads);
  const stored = {
    size: webhook.body.size,
    sha256: webhook.body.sha256,
    location: webhook.body.location,
  };
  // The payload as JSON when it is JSON text; otherwise its exact bytes, base64.
  const text = utf8Text(bytes);
  let payload: unknown = text;
  if (text !== undefined) {
    try {
      payload = JSON.parse(text);
    } catch {}
  }
  if (io.json) {
    io.out(
      `${JSON.stringify({ ...toStatusView(state), eventId: webhook.eventId, occurredAt: webhook.occurredAt, headers: webhook.headers, body: stored, ...(text === undefined ? { payloadBase64: bytes.toString('base64') } : { payload }), attempts })}\n`,
    );
    return 0;
  }
  await status(target, id, io);
  io.out(`event id    ${webhook.eventId}\noccurred    ${webhook.occurredAt}\n\nattempts\n`);
  io.out(
    table(
      ['#', 'trigger', 'started', 'ended', 'result', 'error'],
      attempts.map((a: AttemptRecord) => [
        String(a.attempt),
        a.trigger,
        a.startedAt,
        a.endedAt ?? '—',
        a.result ? paint(a.result) : 'in progress',
        a.error ? `${a.error.code}: ${a.error.message}` : (a.outcome ?? ''),
      ]),
    ),
  );
  io.out(
    `\nheaders\n${Object.entries(webhook.headers)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n`,
  );
  io.out(
    `\npayload     ${stored.size} bytes, sha256 ${stored.sha256}, ${stored.location === 's3' ? 'in the payload bucket' : 'inline'}\n` +
      `${text === undefined ? `(not UTF-8 text; base64)\n${bytes.toString('base64')}` : typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2)}\n`,
  );
  return 0;
}

async function list(target: Target, values: Record<string, unknown>, io: Io): Promise<number> {
  const statuses = values.status
    ? [values.status as Exclude<WebhookStatus, 'completed'>]
    : ATTENTION;
  for (const s of statuses) {
    if (!ATTENTION.includes(s))
      throw new UsageError(
        `--status must be one of ${ATTENTION.join(', ')} (completed webhooks are not indexed).`,
      );
  }
  const limit = values.limit ? Number(values.limit) : 50;
  if (!Number.isInteger(limit) || limit <= 0)
    throw new UsageError('--limit must be a positive integer.');
  const since = values.since ? parseSince(String(values.since)) : undefined;
  const found: WebhookState[] = [];
  for (const s of statuses) {
    found.push(
      ...(await target.table.attention.listAttention(s, {
        limit,
        ...(since ? { updatedSince: since } : {}),
        ...(values.provider ? { provider: String(values.provider) } : {}),
      })),
    );
  }
  const rows = found.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  if (io.json) io.out(`${JSON.stringify(rows.map(toStatusView))}\n`);
  else if (rows.length === 0) io.out('Nothing needs attention.\n');
  else {
    io.out(
      table(
        ['id', 'status', 'provider', 'type', 'attempts', 'updated', 'last error', 'conflicts'],
        rows.map((s) => [
          s.id,
          paint(s.status),
          s.provider,
          s.eventType,
          String(s.attempts),
          s.updatedAt,
          s.lastError?.code ?? '',
          s.conflicts ? `${s.conflicts}!` : '',
        ]),
      ),
    );
  }
  return 0;
}

async function redrive(
  target: Target,
  ids: string[],
  values: Record<string, unknown>,
  io: Io,
): Promise<number> {
  if (ids.length === 0 && values.all !== true)
    throw new UsageError('redrive needs webhook ids or --all.');
  const rate = values.rate ? Number(values.rate) : undefined;
  if (rate !== undefined && !(rate > 0))
    throw new UsageError('--rate must be a positive number (webhooks per second).');
  const result = await redriveWebhooks(
    {
      ledger: target.table.ledger,
      attention: target.table.attention,
      sqs: target.sqs,
      failedQueue: target.failedQueue,
      failedQueueUrl: target.outputs.FailedQueueUrl!,
      deadLetterQueueUrl: target.outputs.DeadLetterQueueUrl!,
      log,
    },
    {
      ids,
      all: values.all === true,
      dryRun: values['dry-run'] === true,
      ...(rate ? { ratePerSecond: rate } : {}),
    },
  );
  if (io.json) io.out(`${JSON.stringify(result)}\n`);
  else {
    const verb = result.dryRun ? 'would redrive' : 'redriven';
    io.out(
      `${result.moved.length + result.requeued.length} ${verb} (${result.moved.length} from the DLQ, ${result.requeued.length} with a new message)\n`,
    );
    for (const id of [...result.moved, ...result.requeued]) io.out(`  ${id}\n`);
    for (const skip of result.skipped) io.out(`  skipped ${skip.id}: ${skip.reason}\n`);
  }
  return result.skipped.length > 0 && ids.length > 0 ? 1 : 0;
}

async function replay(target: Target, id: string, io: Io): Promise<number> {
  const state = await replayWebhook(
    { ledger: target.table.ledger, failedQueue: target.failedQueue, log },
    id,
  );
  if (io.json) io.out(`${JSON.stringify(toStatusView(state))}\n`);
  else io.out(`Webhook ${id} queued for attempt ${state.attempts + 1}.\n`);
  return 0;
}

async function stats(target: Target, io: Io): Promise<number> {
  const [audit, indexed] = await Promise.all([
    target.table.attention.audit(),
    target.table.attention.countAttention(),
  ]);
  const byStatus: Record<WebhookStatus, number> = {
    received: 0,
    processing: 0,
    completed: 0,
    failed: 0,
    dead: 0,
  };
  const byProvider: Record<string, Record<WebhookStatus, number>> = {};
  for (const { status, provider, count } of audit.statuses) {
    byStatus[status] += count;
    byProvider[provider] ??= { received: 0, processing: 0, completed: 0, failed: 0, dead: 0 };
    byProvider[provider][status] += count;
  }
  const inFlight = byStatus.received + byStatus.processing + byStatus.failed;
  const checks = [
    {
      name: 'received = completed + dead + in flight',
      holds: audit.webhooks === byStatus.completed + byStatus.dead + inFlight,
      detail: `${audit.webhooks} = ${byStatus.completed} + ${byStatus.dead} + ${inFlight}`,
    },
    ...ATTENTION.map((s) => ({
      name: `index holds every ${s} webhook`,
      holds: indexed[s] === byStatus[s],
      detail: `${indexed[s]} indexed, ${byStatus[s]} stored`,
    })),
  ];
  const holds = checks.every((c) => c.holds);
  if (io.json)
    io.out(
      `${JSON.stringify({ received: audit.webhooks, byStatus, inFlight, byProvider, conflicts: audit.conflicts, checks, holds })}\n`,
    );
  else {
    const statuses: WebhookStatus[] = ['received', 'processing', 'failed', 'completed', 'dead'];
    io.out(
      table(
        ['provider', ...statuses, 'total'],
        [
          ...Object.entries(byProvider).map(([p, c]) => [
            p,
            ...statuses.map((s) => String(c[s])),
            String(statuses.reduce((n, s) => n + c[s], 0)),
          ]),
          ['all', ...statuses.map((s) => String(byStatus[s])), String(audit.webhooks)],
        ],
      ),
    );
    io.out(
      `conflicting copies (same event id, another body; first kept): ${audit.conflicts.copies} on ${audit.conflicts.webhooks} webhooks\n`,
    );
    for (const check of checks)
      io.out(`${check.holds ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`);
  }
  return holds ? 0 : 1;
}

async function sweep(target: Target, io: Io): Promise<number> {
  const report = await sweepWebhooks({
    ledger: target.table.ledger,
    attention: target.table.attention,
    failedQueue: target.failedQueue,
    thresholds: target.profile.sweep,
    // Only errors: each requeue is in the report this command prints.
    log: log.child({ component: 'sweeper' }, { level: 'error' }),
  });
  if (io.json) io.out(`${JSON.stringify(report)}\n`);
  else {
    io.out(
      `abandoned attempts re-enqueued: ${report.abandoned.length}\nlost messages re-enqueued: ${report.lostMessages.length}\nunsent retries sent: ${report.unsent.length}\nlost stream records re-enqueued: ${report.lostStreamRecords.length}\n`,
    );
  }
  return 0;
}

function parseSince(value: string): string {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
      relative[2] as 's' | 'm' | 'h' | 'd'
    ];
    return new Date(Date.now() - Number(relative[1]) * unit).toISOString();
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(
      `--since takes a time (ISO 8601) or an age like 30m, 2h, 7d; got "${value}".`,
    );
  return date.toISOString();
}

const COLOURS: Partial<Record<string, string>> = {
  dead: '31',
  failed: '33',
  processing: '36',
  completed: '32',
};
function paint(status: string): string {
  const colour = COLOURS[status];
  return process.stdout.isTTY && colour ? `\u001b[${colour}m${status}\u001b[0m` : status;
}

function table(headers: string[], rows: string[][]): string {
  // Width as shown: colour escapes take no room on screen.
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');
  const visible = (s: string) => s.replace(ansi, '').length;
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c + ' '.repeat(widths[i]! - visible(c)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const json = process.argv.includes('--json');
    const [code, exit] =
      error instanceof UsageError
        ? ['invalid_argument', 2]
        : error instanceof NotFoundError
          ? ['not_found', 1]
          : error instanceof ReplayRefusedError
            ? ['replay_refused', 1]
            : error instanceof TargetUnavailableError
              ? ['target_unavailable', 1]
              : ['error', 1];
    const message = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    else process.stderr.write(`${code === 'error' ? `Failed: ${message}` : message}\n`);
    process.exitCode = exit;
  },
);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
