import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { refuseNonLocalRequest } from '../../emulator/local-request-guard.js';
import { PROVIDERS } from '../../services/providers/registry.js';
import type { Logger } from '../../services/shared/logger.js';
import { isWebhookId } from '../../services/webhooks/webhook-id.js';
import type { Selection } from '../operator/bulk-actions.js';
import type { Operator } from '../operator/operator.js';
import { WebhookNotFoundError } from '../operator/webhook-detail.js';
import { parseFilter } from '../operator/webhook-filter.js';
import { ConsoleRequestError, consoleErrorAnswer } from './errors.js';
import { Jobs } from './jobs.js';
import { detailPage, listPage, notFoundPage, overviewPage, type PageContext } from './pages.js';

export interface ConsoleOptions {
  readonly operator: Operator;
  /** The per-run token actions must carry (`x-console-token`); the pages carry it. */
  readonly token: string;
  readonly log: Logger;
}

/** The header an action carries its token in: a page of another origin cannot set it unasked. */
export const TOKEN_HEADER = 'x-console-token';

const require = createRequire(import.meta.url);

/**
 * Served from this package and node_modules, never a CDN: the console works offline. uPlot
 * (about 50 KB, no dependencies) draws the charts.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  'console.js': {
    file: new URL('./assets/console.js', import.meta.url).pathname,
    type: 'text/javascript; charset=utf-8',
  },
  'console.css': {
    file: new URL('./assets/console.css', import.meta.url).pathname,
    type: 'text/css; charset=utf-8',
  },
  'uPlot.iife.min.js': {
    file: require.resolve('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'uPlot.min.css': {
    file: require.resolve('uplot/dist/uPlot.min.css'),
    type: 'text/css; charset=utf-8',
  },
};

/** Pages and API may come only from this origin; nothing may frame the console (clickjacking). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const MAX_BULK_IDS = 10_000;

/**
 * The operator console over HTTP (app.ts builds, server.ts listens on 127.0.0.1):
 *   GET  /  /webhooks  /webhooks/:id       the overview, list and detail pages
 *   GET  /api/overview                     counts, conservation check, queues, last hour
 *   GET  /api/webhooks?status&provider&type&since&until&q&offset&limit
 *   GET  /api/webhooks/:id                 payload, headers, attempts, resource
 *   POST /api/actions/redrive|replay       {ids} or {filter}, dryRun: the answer lists them;
 *                                          else a job to poll at GET /api/jobs/:id
 * Every request must name this machine in `Host` and, from a page, come from this origin
 * (emulator/local-request-guard.ts); actions also need the run's token.
 */
export function buildConsoleApp(options: ConsoleOptions): FastifyInstance {
  const { operator, log } = options;
  const token = Buffer.from(options.token);
  const context: PageContext = { target: operator.target.name, token: options.token };
  const providers = PROVIDERS.map((p) => p.name);
  const jobs = new Jobs();
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.addHook('onRequest', async (request) => {
    const refusal = refuseNonLocalRequest({
      method: request.method,
      headers: request.headers,
      port: request.socket.localPort ?? 0,
    });
    if (refusal) throw new ConsoleRequestError(refusal.statusCode, refusal.code, refusal.message);
    if (request.method === 'POST') {
      const given = request.headers[TOKEN_HEADER];
      const candidate = Buffer.from(typeof given === 'string' ? given : '');
      if (candidate.length !== token.length || !timingSafeEqual(candidate, token))
        throw new ConsoleRequestError(
          403,
          'invalid_token',
          `Actions need this run's token in ${TOKEN_HEADER} (the console's pages send it).`,
        );
      const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (type !== 'application/json')
        throw new ConsoleRequestError(
          415,
          'unsupported_media_type',
          'Actions take content-type: application/json.',
        );
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = consoleErrorAnswer(error);
    const fields = {
      event: 'console.refused',
      statusCode: answer.statusCode,
      code: answer.code,
      method: request.method,
      path: request.url.split('?')[0],
      ...(request.headers.origin ? { origin: String(request.headers.origin).slice(0, 100) } : {}),
    };
    if (answer.statusCode >= 500)
      log.error(
        {
          ...fields,
          event: 'console.failed',
          errorName: (error as Error).name,
          errorMessage: (error as Error).message,
        },
        'console request failed',
      );
    else log.warn(fields, answer.message);
    const wantsPage = request.method === 'GET' && !request.url.startsWith('/api/');
    if (wantsPage && answer.statusCode === 404)
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(notFoundPage(context, answer.message));
    return reply
      .code(answer.statusCode)
      .send({ error: { code: answer.code, message: answer.message } });
  });
  app.setNotFoundHandler((request) => {
    throw new ConsoleRequestError(404, 'not_found', `Nothing at ${request.url.split('?')[0]}.`);
  });

  const page = (reply: FastifyReply, body: string) =>
    reply.type('text/html; charset=utf-8').send(body);

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const asset = ASSETS[request.params.name];
    if (!asset) throw new ConsoleRequestError(404, 'not_found', 'No such asset.');
    return reply.type(asset.type).send(readFileSync(asset.file));
  });

  // Browsers ask for it unprompted; there is none, and that is not worth a warning.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  app.get('/', async (_request, reply) => page(reply, overviewPage(context)));
  app.get<{ Querystring: Record<string, string> }>('/webhooks', async (request, reply) =>
    page(reply, listPage(context, parseFilter(request.query), request.query, providers)),
  );
  app.get<{ Params: { id: string } }>('/webhooks/:id', async (request, reply) => {
    const id = webhookIdOf(request.params.id);
    const detail = await operator.show(id);
    const related = detail.resource ? await operator.resourceWebhooks(detail.resource) : undefined;
    return page(reply, detailPage(context, detail, related));
  });

  app.get('/api/overview', async () => operator.overview());
  app.get<{ Querystring: Record<string, string> }>('/api/webhooks', async (request) => {
    const { offset, limit } = request.query;
    return operator.find(parseFilter(request.query), {
      offset: boundedInteger(offset, 0, 0, 1_000_000, 'offset'),
      limit: boundedInteger(limit, 50, 1, 500, 'limit'),
    });
  });
  app.get<{ Params: { id: string } }>('/api/webhooks/:id', async (request) =>
    operator.show(webhookIdOf(request.params.id)),
  );
  app.get<{ Params: { id: string } }>('/api/webhooks/:id/status', async (request) =>
    operator.status(webhookIdOf(request.params.id)),
  );

  app.post<{ Params: { action: string }; Body: unknown }>(
    '/api/actions/:action',
    async (request, reply) => {
      const action = request.params.action;
      if (action !== 'redrive' && action !== 'replay')
        throw new ConsoleRequestError(404, 'not_found', `No action ${action.slice(0, 32)}.`);
      const { selection, dryRun } = actionRequest(request.body);
      const run = action === 'redrive' ? operator.redriveSelection : operator.replaySelection;
      log.info(
        {
          event: 'console.action',
          action,
          dryRun,
          ...('ids' in selection ? { ids: selection.ids.length } : { filter: selection.filter }),
        },
        `console ${action}${dryRun ? ' (dry run)' : ''}`,
      );
      if (dryRun) return run(selection, { dryRun: true });
      // The selection is read once, up front, so the job's total is known from the start; the
      // action then runs on exactly those ids.
      const chosen =
        'ids' in selection
          ? { selected: [...selection.ids] }
          : await (action === 'redrive'
              ? operator.redriveSelection(selection, { dryRun: true })
              : operator.replaySelection(selection, { dryRun: true }));
      const ids = chosen.selected;
      const job = jobs.start(
        action,
        ids.length,
        (progress) => run({ ids }, { onProgress: ({ done }) => progress(done) }),
        (error) => {
          const answer = consoleErrorAnswer(error);
          log.error(
            {
              event: 'console.action-failed',
              action,
              errorName: (error as Error).name,
              errorMessage: (error as Error).message,
            },
            'console action failed',
          );
          return answer.message;
        },
      );
      return reply.code(202).send({ job });
    },
  );
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (request) => {
    const job = jobs.get(request.params.id);
    if (!job) throw new ConsoleRequestError(404, 'not_found', 'No such job in this run.');
    return job;
  });

  return app;
}

function webhookIdOf(value: string): string {
  if (!isWebhookId(value))
    throw new WebhookNotFoundError(`"${value.slice(0, 40)}" is not a webhook id (a UUID).`);
  return value;
}

function boundedInteger(
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConsoleRequestError(
      400,
      'invalid_argument',
      `${name} must be an integer from ${min} to ${max}.`,
    );
  return n;
}

/** `{ids: [...]}` or `{filter: {...}}`, and `dryRun`, checked. */
function actionRequest(body: unknown): { selection: Selection; dryRun: boolean } {
  const invalid = (message: string) => new ConsoleRequestError(400, 'invalid_argument', message);
  if (typeof body !== 'object' || body === null)
    throw invalid('Send {ids} or {filter}, and dryRun.');
  const { ids, filter, dryRun } = body as { ids?: unknown; filter?: unknown; dryRun?: unknown };
  if (dryRun !== undefined && typeof dryRun !== 'boolean')
    throw invalid('dryRun is true or false.');
  if ((ids === undefined) === (filter === undefined)) throw invalid('Send either ids or filter.');
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_BULK_IDS)
      throw invalid(`ids is a list of 1 to ${MAX_BULK_IDS} webhook ids.`);
    for (const id of ids)
      if (typeof id !== 'string' || !isWebhookId(id))
        throw invalid('ids holds webhook ids (UUIDs).');
    return { selection: { ids: ids as string[] }, dryRun: dryRun === true };
  }
  if (typeof filter !== 'object' || filter === null) throw invalid('filter is an object.');
  return {
    selection: { filter: parseFilter(filter as Record<string, unknown>) },
    dryRun: dryRun === true,
  };
}
