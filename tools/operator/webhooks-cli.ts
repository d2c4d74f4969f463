import { parseArgs } from 'node:util';
import { type Logger, pino } from 'pino';
import type { AttemptRecord, WebhookStatus } from '../../services/webhooks/webhook.js';
import { isWebhookId } from '../../services/webhooks/webhook-id.js';
import type { BulkOptions, Selection } from './bulk-actions.js';
import { createOperator, type Operator } from './operator.js';
import { ReplayRefusedError, replayWebhook } from './replay-webhook.js';
import { type StatusView, toStatusView } from './status-view.js';
import { openTarget, type TargetName, TargetUnavailableError } from './targets.js';
import { WebhookNotFoundError } from './webhook-detail.js';
import { FilterError, parseFilter, type WebhookFilter } from './webhook-filter.js';

/*
 * The operator CLI (`npm run webhooks -- …`, scripts/webhooks.ts): arguments in, text or JSON
 * out, an exit code back. It writes through the console it is given, so a test can run it in
 * its own process.
 */

/** Where the CLI writes, and what it reads from its environment. */
export interface CliConsole {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** API_PORT: the embedded stack's port when `--api` is not given. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Warnings and errors of the operator commands (stdout is the answer). */
  readonly log: Logger;
}

/** The process's own console: stdout, stderr, its environment, and JSON log lines on stderr. */
export function processConsole(): CliConsole {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    log: pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  };
}

/**
 * Runs one command and resolves with its exit code: 0 done, 1 failed (not found, refused, the
 * stack unreachable, a check that does not hold), 2 a usage error. A failure is one line on
 * stderr, or `{"error": {"code", "message"}}` on stdout with `--json`.
 */
export async function runCli(argv: string[], console: CliConsole): Promise<number> {
  try {
    return await main(argv, console);
  } catch (error) {
    const [code, exit] =
      error instanceof UsageError
        ? ['invalid_argument', 2]
        : error instanceof WebhookNotFoundError
          ? ['not_found', 1]
          : error instanceof ReplayRefusedError
            ? ['replay_refused', 1]
            : error instanceof TargetUnavailableError
              ? ['target_unavailable', 1]
              : ['error', 1];
    const message = error instanceof Error ? error.message : String(error);
    if (argv.includes('--json'))
      console.stdout(`${JSON.stringify({ error: { code, message } })}\n`);
    else console.stderr(`${code === 'error' ? `Failed: ${message}` : message}\n`);
    return exit;
  }
}

const USAGE = `Usage: npm run webhooks -- <command> [options]

Commands:
  status <id>                 status, attempts, last error, outcome
  show <id>                   the payload, kept headers and every attempt with its error
  list [filters] [--limit N]  webhooks needing attention (received|processing|failed|dead),
                              newest first, from the sparse index
  redrive <id>... | --all | filters  [--dry-run] [--rate N]
                              dead webhooks back to the failed queue (from the DLQ)
  replay <id> | filters [--dry-run] [--rate N]
                              process completed webhooks again, each as a new attempt
  stats                       counts by status and provider; checks that
                              received = completed + dead + in flight (exit 1 if not)
  sweep                       run the sweeper once now (it also runs on its schedule)
  console                     npm run console: the operator console in the browser

Filters (list, and bulk redrive/replay; redrive takes dead webhooks, replay completed ones):
  --status S  --provider P  --type T  --since T  --until T
                              T is a time (ISO 8601) or an age: 30m, 2h, 7d

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
const FILTER_OPTIONS = ['status', 'provider', 'type', 'since', 'until'] as const;

class UsageError extends Error {}

interface Io {
  json: boolean;
  /** Colours on: stdout is a terminal. */
  colours: boolean;
  out(text: string): void;
  progress(text: string): void;
  log: Logger;
}

type Values = Record<string, string | boolean | undefined>;

/** Runs `parse`, answering an unknown option or a value it cannot take as a usage error. */
function usageErrorIfThrows<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError(`${(error as Error).message}\n\n${USAGE}`);
    throw error;
  }
}

async function main(argv: string[], console: CliConsole): Promise<number> {
  const { values, positionals } = usageErrorIfThrows(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        api: { type: 'string' },
        target: { type: 'string', default: 'embedded' },
        status: { type: 'string' },
        provider: { type: 'string' },
        type: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        all: { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        rate: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.stdout(USAGE);
    return command || values.help ? 0 : 2;
  }
  const io: Io = {
    json: values.json === true,
    colours: console.stdoutIsTTY,
    out: console.stdout,
    // Progress goes to stderr, and only to a terminal: stdout stays the answer.
    progress: (text) => {
      if (console.stderrIsTTY) console.stderr(`\r${text}\u001b[K`);
    },
    log: console.log,
  };
  const targetName = values.target as TargetName;
  if (!['embedded', 'localstack', 'aws'].includes(targetName)) {
    throw new UsageError(`--target must be embedded, localstack or aws, got "${values.target}".`);
  }
  if (command === 'console') {
    throw new UsageError('The console has its own script: npm run console -- --target T.');
  }
  const commands = ['status', 'show', 'list', 'redrive', 'replay', 'stats', 'sweep'];
  if (!commands.includes(command))
    throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  const ids = args.filter((a) => a.length > 0);
  for (const id of ids)
    if (!isWebhookId(id)) throw new UsageError(`"${id}" is not a webhook id (a UUID).`);
  if (['status', 'show'].includes(command) && ids.length !== 1) {
    throw new UsageError(`${command} needs one webhook id.`);
  }
  const filter = filterOf(values);
  // Every argument is checked before the stack is reached: a usage error needs no stack.
  if (command === 'redrive') redriveSelectionOf(ids, filter, values);
  if (command === 'replay') replaySelectionOf(ids, filter);
  if (command === 'redrive' || command === 'replay') bulkOptions(values, io, command);
  if (command === 'list') listArguments(filter, values);

  const target = await openTarget(targetName, {
    apiUrl: values.api ?? `http://127.0.0.1:${console.env.API_PORT ?? 3000}`,
  });
  const operator = createOperator(target, io.log);
  try {
    switch (command) {
      case 'status':
        return await status(operator, ids[0]!, io);
      case 'show':
        return await show(operator, ids[0]!, io);
      case 'list':
        return await list(operator, filter, values, io);
      case 'redrive':
        return await redrive(operator, ids, filter, values, io);
      case 'replay':
        return await replay(operator, ids, filter, values, io);
      case 'stats':
        return await stats(operator, io);
      default:
        return await sweep(operator, io);
    }
  } finally {
    target.close();
  }
}

/** The filter options given, checked; undefined when none was. */
function filterOf(values: Values): WebhookFilter | undefined {
  if (!FILTER_OPTIONS.some((name) => values[name] !== undefined)) return undefined;
  try {
    return parseFilter(Object.fromEntries(FILTER_OPTIONS.map((name) => [name, values[name]])));
  } catch (error) {
    if (error instanceof FilterError) throw new UsageError(`--${error.message}`);
    throw error;
  }
}

function printStatus(view: StatusView, io: Io): void {
  const rows: Array<[string, string]> = [
    ['id', view.id],
    ['provider', view.provider],
    ['type', view.type],
    ['status', paint(view.status, io)],
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
  if (view.nextAttemptAt) rows.push(['next try', `not before ${view.nextAttemptAt}`]);
  io.out(`${rows.map(([k, v]) => `${k.padEnd(11)} ${v}`).join('\n')}\n`);
}

async function status(operator: Operator, id: string, io: Io): Promise<number> {
  const view = await operator.status(id);
  if (io.json) io.out(`${JSON.stringify(view)}\n`);
  else printStatus(view, io);
  return 0;
}

async function show(operator: Operator, id: string, io: Io): Promise<number> {
  const detail = await operator.show(id);
  const {
    status: view,
    eventId,
    occurredAt,
    headers,
    body,
    payload,
    payloadBase64,
    attempts,
  } = detail;
  if (io.json) {
    // The payload as JSON when it is JSON text; otherwise its exact bytes, base64.
    io.out(
      `${JSON.stringify({ ...view, eventId, occurredAt, headers, body, ...(payloadBase64 === undefined ? { payload } : { payloadBase64 }), attempts })}\n`,
    );
    return 0;
  }
  printStatus(view, io);
  io.out(`event id    ${eventId}\noccurred    ${occurredAt}\n\nattempts\n`);
  io.out(
    table(
      ['#', 'trigger', 'started', 'ended', 'result', 'error'],
      attempts.map((a: AttemptRecord) => [
        String(a.attempt),
        a.trigger,
        a.startedAt,
        a.endedAt ?? '—',
        a.result ? paint(a.result, io) : 'in progress',
        a.error
          ? `${a.error.code}${a.error.kind ? ` (${a.error.kind})` : ''}: ${a.error.message}`
          : (a.outcome ?? ''),
      ]),
    ),
  );
  io.out(
    `\nheaders\n${Object.entries(headers)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n`,
  );
  io.out(
    `\npayload     ${body.size} bytes, sha256 ${body.sha256}, ${body.location === 's3' ? 'in the payload bucket' : 'inline'}\n` +
      `${payloadBase64 !== undefined ? `(not UTF-8 text; base64)\n${payloadBase64}` : typeof payload === 'string' ? payload : JSON.stringify(payload, null, 2)}\n`,
  );
  return 0;
}

/** The statuses `list` reads (indexed ones only) and how many rows it prints. */
function listArguments(filter: WebhookFilter | undefined, values: Values) {
  const statuses = filter?.status
    ? [filter.status as Exclude<WebhookStatus, 'completed'>]
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
  return { statuses, limit };
}

async function list(
  operator: Operator,
  filter: WebhookFilter | undefined,
  values: Values,
  io: Io,
): Promise<number> {
  const { statuses, limit } = listArguments(filter, values);
  const found: StatusView[] = [];
  for (const s of statuses) {
    found.push(...(await operator.find({ ...filter, status: s }, { limit })).webhooks);
  }
  const rows = found.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
  if (io.json) io.out(`${JSON.stringify(rows)}\n`);
  else if (rows.length === 0) io.out('Nothing needs attention.\n');
  else {
    io.out(
      table(
        ['id', 'status', 'provider', 'type', 'attempts', 'updated', 'last error', 'conflicts'],
        rows.map((s) => [
          s.id,
          paint(s.status, io),
          s.provider,
          s.type,
          String(s.attempts),
          s.updatedAt,
          s.lastError?.code ?? '',
          s.conflicts ? `${s.conflicts.count}!` : '',
        ]),
      ),
    );
  }
  return 0;
}

function bulkOptions(values: Values, io: Io, verb: string): BulkOptions {
  const rate = values.rate ? Number(values.rate) : undefined;
  if (rate !== undefined && !(rate > 0))
    throw new UsageError('--rate must be a positive number (webhooks per second).');
  return {
    dryRun: values['dry-run'] === true,
    ...(rate ? { ratePerSecond: rate } : {}),
    onProgress: ({ done, total }) => {
      io.progress(`${verb} ${done}/${total}`);
      if (done === total) io.progress('');
    },
  };
}

/** ids, or a filter: not both, and one of them. */
function selectionOf(
  command: string,
  ids: string[],
  filter: WebhookFilter | undefined,
): Selection | undefined {
  if (ids.length > 0 && filter)
    throw new UsageError(`${command} takes webhook ids or filters, not both.`);
  if (filter) return { filter };
  return ids.length > 0 ? { ids } : undefined;
}

/** What a redrive is for: dead webhooks, by id or filter, or --all of them (undefined). */
function redriveSelectionOf(
  ids: string[],
  filter: WebhookFilter | undefined,
  values: Values,
): Selection | undefined {
  const selection = selectionOf('redrive', ids, filter);
  if (!selection && values.all !== true)
    throw new UsageError('redrive needs webhook ids, filters (e.g. --since 1h) or --all.');
  if (selection && values.all === true)
    throw new UsageError('redrive takes --all alone: all dead webhooks.');
  onlyStatus(filter, 'dead', 'redriven');
  return selection;
}

/** What a replay is for: completed webhooks, by id or filter. */
function replaySelectionOf(ids: string[], filter: WebhookFilter | undefined): Selection {
  const selection = selectionOf('replay', ids, filter);
  if (!selection) throw new UsageError('replay needs a webhook id or filters (e.g. --since 1h).');
  onlyStatus(filter, 'completed', 'replayed');
  return selection;
}

/** A redrive takes dead webhooks, a replay completed ones: a filter asking for others is refused. */
function onlyStatus(filter: WebhookFilter | undefined, status: WebhookStatus, done: string) {
  if (filter?.status !== undefined && filter.status !== status)
    throw new UsageError(
      `Only ${status} webhooks can be ${done}; the filter asks for ${filter.status}.`,
    );
}

async function redrive(
  operator: Operator,
  ids: string[],
  filter: WebhookFilter | undefined,
  values: Values,
  io: Io,
): Promise<number> {
  const selection = redriveSelectionOf(ids, filter, values);
  const options = bulkOptions(values, io, 'redriving');
  let result: Awaited<ReturnType<Operator['redrive']>> & { selected?: string[] };
  try {
    result = selection
      ? await operator.redriveSelection(selection, options)
      : await operator.redrive({
          all: true,
          dryRun: options.dryRun === true,
          ...(options.ratePerSecond ? { ratePerSecond: options.ratePerSecond } : {}),
        });
  } catch (error) {
    if (error instanceof FilterError) throw new UsageError(error.message);
    throw error;
  }
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

async function replay(
  operator: Operator,
  ids: string[],
  filter: WebhookFilter | undefined,
  values: Values,
  io: Io,
): Promise<number> {
  const selection = replaySelectionOf(ids, filter);
  if ('ids' in selection && ids.length === 1 && values['dry-run'] !== true) {
    // One webhook: refused loudly (replay_refused) when it is not completed.
    const target = operator.target;
    const state = await replayWebhook(
      { ledger: target.table.ledger, failedQueue: target.failedQueue, log: io.log },
      ids[0]!,
    );
    if (io.json) io.out(`${JSON.stringify(toStatusView(state))}\n`);
    else io.out(`Webhook ${ids[0]} queued for attempt ${state.attempts + 1}.\n`);
    return 0;
  }
  let result: Awaited<ReturnType<Operator['replaySelection']>>;
  try {
    result = await operator.replaySelection(selection, bulkOptions(values, io, 'replaying'));
  } catch (error) {
    if (error instanceof FilterError) throw new UsageError(error.message);
    throw error;
  }
  if (io.json) io.out(`${JSON.stringify(result)}\n`);
  else {
    io.out(`${result.replayed.length} ${result.dryRun ? 'would be replayed' : 'replayed'}\n`);
    for (const id of result.replayed) io.out(`  ${id}\n`);
    for (const skip of result.skipped) io.out(`  skipped ${skip.id}: ${skip.reason}\n`);
  }
  return result.skipped.length > 0 && ids.length > 0 ? 1 : 0;
}

async function stats(operator: Operator, io: Io): Promise<number> {
  const result = await operator.stats();
  if (io.json) io.out(`${JSON.stringify(result)}\n`);
  else {
    const statuses: WebhookStatus[] = ['received', 'processing', 'failed', 'completed', 'dead'];
    io.out(
      table(
        ['provider', ...statuses, 'total'],
        [
          ...Object.entries(result.byProvider).map(([p, c]) => [
            p,
            ...statuses.map((s) => String(c[s])),
            String(statuses.reduce((n, s) => n + c[s], 0)),
          ]),
          ['all', ...statuses.map((s) => String(result.byStatus[s])), String(result.received)],
        ],
      ),
    );
    const outcomes = Object.entries(result.outcomes);
    io.out(
      `completed by outcome: ${outcomes.length ? outcomes.map(([o, n]) => `${o} ${n}`).join(', ') : 'none'}\n`,
    );
    io.out(
      `conflicting copies (same event id, another body; first kept): ${result.conflicts.copies} on ${result.conflicts.webhooks} webhooks\n`,
    );
    for (const check of result.checks)
      io.out(`${check.holds ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}\n`);
  }
  return result.holds ? 0 : 1;
}

async function sweep(operator: Operator, io: Io): Promise<number> {
  const report = await operator.sweep();
  if (io.json) io.out(`${JSON.stringify(report)}\n`);
  else {
    io.out(
      `abandoned attempts re-enqueued: ${report.abandoned.length}\nlost messages re-enqueued: ${report.lostMessages.length}\nunsent retries sent: ${report.unsent.length}\nlost stream records re-enqueued: ${report.lostStreamRecords.length}\n`,
    );
  }
  return 0;
}

const COLOURS: Partial<Record<string, string>> = {
  dead: '31',
  failed: '33',
  processing: '36',
  completed: '32',
};
function paint(status: string, io: Io): string {
  const colour = COLOURS[status];
  return io.colours && colour ? `\u001b[${colour}m${status}\u001b[0m` : status;
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
