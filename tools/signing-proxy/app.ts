import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import {
  CHAOS_FLAGS,
  type ChaosSpec,
  chaosFromFlags,
  kebabCase,
  mergeChaos,
  parseChaosSpec,
} from './chaos/chaos-spec.js';
import { parseScenario, parseScenarioText } from './chaos/scenario.js';
import { InvalidProxyRequestError, proxyErrorStatus } from './errors.js';
import { checkActingContentType, checkRequestSource } from './request-guard.js';
import { createSigningProxy, type SigningProxyOptions } from './signing-proxy.js';

export interface BuildOptions extends SigningProxyOptions {
  readonly logger?: FastifyServerOptions['logger'];
  /**
   * Host names it answers to besides 127.0.0.1, localhost and [::1]: the PROXY_HOST it listens
   * on when that is a name or an address (not 0.0.0.0).
   */
  readonly allowedHostnames?: readonly string[];
}

type Query = Record<string, string | string[] | undefined>;

/** Large enough to send a body over the receiver's 256 KiB limit and see its 413. */
const BODY_LIMIT = 10 * 1024 * 1024;

/**
 * The signing proxy over HTTP (JSON in, JSON report out):
 *   GET  /catalogue                      the senders and their events
 *   POST /send/:provider/:eventType      one catalogue event (or a burst), with chaos
 *   POST /forward/:provider              any JSON body, signed and sent as is
 *   POST /scenario                       a scenario document (JSON or YAML)
 * Chaos options come as query flags (`?duplicates=2&concurrent`) or as `chaos` in the body.
 * Only this machine's tools may use it, not a web page (request-guard.ts): the POST routes need
 * content-type application/json (an empty body is fine) or application/yaml.
 */
export function build(options: BuildOptions): FastifyInstance {
  const proxy = createSigningProxy(options);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // Its own lines instead: one per refused or failed request (a burst would flood the console).
    logController: new LogController({ disableRequestLogging: true }),
  });

  // Before the body is read: a refused request is neither parsed nor signed nor sent.
  app.addHook('onRequest', async (request) => {
    checkRequestSource(request.headers, options.allowedHostnames);
    if (request.method === 'POST') checkActingContentType(request.headers);
  });

  // Raw text is kept for /forward, which signs the exact bytes it was given.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    (request as { rawBody?: string }).rawBody = text;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new InvalidProxyRequestError('The request body is not valid JSON.'), undefined);
    }
  });
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml'],
    { parseAs: 'string' },
    (_request, body, done) => done(null, body),
  );

  app.setErrorHandler((error, request, reply) => {
    const fastifyStatus = (error as { statusCode?: number }).statusCode;
    const status =
      proxyErrorStatus(error) !== 500
        ? proxyErrorStatus(error)
        : fastifyStatus && fastifyStatus < 500
          ? fastifyStatus
          : 500;
    const given = (error as { code?: string }).code ?? 'invalid_request';
    // Fastify's own codes (FST_…, e.g. a body over the limit) are not part of the proxy's contract.
    const code =
      status >= 500 ? 'internal_error' : given.startsWith('FST_') ? 'invalid_request' : given;
    const message =
      status >= 500 ? 'The signing proxy failed; see its log.' : (error as Error).message;
    const context = (error as { context?: Record<string, unknown> }).context;
    const line = { status, code, method: request.method, url: request.url, ...context };
    if (status >= 500) request.log.error({ ...line, err: (error as Error).message }, message);
    else request.log.warn(line, message);
    return reply.status(status).send({ error: { code, message } });
  });

  app.setNotFoundHandler((request, reply) => {
    const message = 'No such route: see GET /catalogue, POST /send, /forward and /scenario.';
    request.log.warn(
      { status: 404, code: 'not_found', method: request.method, url: request.url },
      message,
    );
    return reply.status(404).send({ error: { code: 'not_found', message } });
  });

  app.get('/health', async () => ({ status: 'ready', receiver: proxy.receiverUrl }));

  app.get('/catalogue', async () => proxy.catalogue());

  app.post<{ Params: { provider: string; '*': string }; Querystring: Query }>(
    '/send/:provider/*',
    async (request) => {
      const query = request.query;
      const body = objectBody(request.body);
      checkKeys(body, ['resource', 'occurredAt', 'overrides', 'count', 'seed', 'chaos'], 'body');
      const { flags, own } = splitQuery(query, ['resource', 'occurredAt', 'count', 'seed']);
      const resource = body.resource ?? own.resource;
      const occurredAt = body.occurredAt ?? own.occurredAt;
      const count = body.count ?? own.count;
      const seed = body.seed ?? own.seed;
      if (body.overrides !== undefined && !isObject(body.overrides)) {
        throw new InvalidProxyRequestError('overrides must be an object merged into the event.');
      }
      return runRequest(flags, body.chaos, (chaos) =>
        proxy.send({
          provider: request.params.provider,
          eventType: decodeURIComponent(request.params['*']),
          ...(resource === undefined ? {} : { resourceId: String(resource) }),
          ...(occurredAt === undefined ? {} : { occurredAt: parseTime(occurredAt) }),
          ...(body.overrides === undefined
            ? {}
            : { overrides: body.overrides as Record<string, unknown> }),
          ...(count === undefined ? {} : { count: integer(count, 'count') }),
          ...(seed === undefined ? {} : { seed: integer(seed, 'seed') }),
          chaos,
        }),
      );
    },
  );

  app.post<{ Params: { provider: string }; Querystring: Query }>(
    '/forward/:provider',
    async (request) => {
      const rawBody = (request as { rawBody?: string }).rawBody;
      if (rawBody === undefined || rawBody.trim() === '') {
        throw new InvalidProxyRequestError(
          'POST the JSON payload to replay, with content-type: application/json.',
        );
      }
      const { flags, own } = splitQuery(request.query, ['eventId', 'eventType', 'seed']);
      return runRequest(flags, undefined, (chaos) =>
        proxy.forward({
          provider: request.params.provider,
          rawBody,
          ...(own.eventId === undefined ? {} : { eventId: own.eventId }),
          ...(own.eventType === undefined ? {} : { eventType: own.eventType }),
          ...(own.seed === undefined ? {} : { seed: integer(own.seed, 'seed') }),
          chaos,
        }),
      );
    },
  );

  app.post<{ Querystring: Query }>('/scenario', async (request) => {
    const { own, flags } = splitQuery(request.query, ['seed']);
    if (Object.keys(flags).length > 0) {
      throw new InvalidProxyRequestError('A scenario carries its own chaos; only ?seed= applies.');
    }
    const scenario =
      typeof request.body === 'string'
        ? parseScenarioText(request.body)
        : parseScenario(request.body);
    return proxy.runScenario(
      scenario,
      own.seed === undefined ? {} : { seed: integer(own.seed, 'seed') },
    );
  });

  return app;
}

async function runRequest<T>(
  flags: Query,
  bodyChaos: unknown,
  run: (chaos: ChaosSpec) => Promise<T>,
): Promise<T> {
  const chaos = mergeChaos(chaosFromFlags(flags), parseChaosSpec(bodyChaos));
  return run(chaos);
}

/** Splits the query into the route's own parameters and chaos flags; anything else is an error. */
function splitQuery(
  query: Query,
  ownNames: readonly string[],
): { own: Record<string, string | undefined>; flags: Query } {
  const own: Record<string, string | undefined> = {};
  const flags: Query = {};
  const known = new Set<string>(CHAOS_FLAGS);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (ownNames.includes(name)) {
      own[name] = Array.isArray(value) ? value.at(-1) : value;
    } else if (known.has(kebabCase(name))) {
      flags[name] = value;
    } else {
      throw new InvalidProxyRequestError(
        `Unknown query parameter "${name.slice(0, 32)}". Use ${[...ownNames, ...CHAOS_FLAGS].join(', ')}.`,
      );
    }
  }
  return { own, flags };
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (!isObject(body))
    throw new InvalidProxyRequestError('The request body must be a JSON object.');
  return body;
}

function checkKeys(body: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new InvalidProxyRequestError(
        `Unknown ${where} field "${key.slice(0, 32)}". Use ${allowed.join(', ')}.`,
      );
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integer(value: unknown, name: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new InvalidProxyRequestError(`${name} must be an integer, got ${JSON.stringify(value)}.`);
  }
  return n;
}

/** ISO 8601, or epoch seconds as the senders write them. */
function parseTime(value: unknown): Date {
  const date =
    typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))
      ? new Date(Number(value) * 1000)
      : typeof value === 'string'
        ? new Date(value)
        : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidProxyRequestError(
      `occurredAt must be an ISO date-time or epoch seconds, got ${JSON.stringify(value)}.`,
    );
  }
  return date;
}
