process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { type StatusView, toStatusView } from '../services/webhooks/status-view.js';
import { isWebhookId } from '../services/webhooks/webhook-id.js';
import {
  embeddedStore,
  readEmbeddedTarget,
  TargetUnavailableError,
} from './lib/embedded-target.js';

const USAGE = `Usage: npm run webhooks -- <command> [options]

Commands:
  status <id>     The status of one webhook: status, attempts, last error, outcome.

Options:
  --json          One JSON object on stdout, for scripts.
  --api <url>     The local stack's API (default http://127.0.0.1:$API_PORT, port 3000).
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      api: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const apiUrl = values.api ?? `http://127.0.0.1:${process.env.API_PORT ?? 3000}`;

  switch (command) {
    case 'status': {
      const id = rest[0];
      if (!id || !isWebhookId(id))
        return fail(
          `status needs a webhook id (a UUID), got "${id ?? ''}".`,
          values.json,
          2,
          'invalid_argument',
        );
      const target = await readEmbeddedTarget(apiUrl);
      const { store, close } = embeddedStore(target);
      try {
        const state = await store.getState(id);
        if (!state) return fail(`No webhook ${id}.`, values.json, 1, 'not_found');
        const view = toStatusView(state);
        process.stdout.write(values.json ? `${JSON.stringify(view)}\n` : formatStatus(view));
        return 0;
      } finally {
        close();
      }
    }
    default:
      return fail(`Unknown command "${command}".\n\n${USAGE}`, values.json, 2, 'invalid_argument');
  }
}

function formatStatus(view: StatusView): string {
  const rows: Array<[string, string]> = [
    ['id', view.id],
    ['provider', view.provider],
    ['type', view.type],
    ['status', view.status],
    ['attempts', String(view.attempts)],
    ['received', view.receivedAt],
    ['updated', view.updatedAt],
  ];
  if (view.outcome) rows.push(['outcome', view.outcome]);
  if (view.lastError)
    rows.push([
      'last error',
      `${view.lastError.code}: ${view.lastError.message} (attempt ${view.lastError.attempt})`,
    ]);
  return `${rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n')}\n`;
}

function fail(
  message: string,
  json: boolean | undefined,
  exitCode: number,
  code = 'error',
): number {
  if (json) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else process.stderr.write(`${message}\n`);
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message =
      error instanceof TargetUnavailableError
        ? error.message
        : `Failed: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
  },
);
