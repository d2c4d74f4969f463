import type { FastifyInstance } from 'fastify';
import { buildApiGateway, type HttpRoute } from './api-gateway.js';
import type { StackFunctions } from './functions.js';
import { apiGatewayErrorBody, type GatewayErrorBody } from './http-api-response.js';
import { registerLambdaInvokeApi } from './lambda-invoke-api.js';
import { refuseNonLocalRequest } from './local-request-guard.js';
import type { StackContext } from './stack-context.js';
import { resourcesOfType } from './template.js';

/** The template's HTTP API routes, each to the function of its integration. */
export function httpRoutes(context: StackContext, functions: StackFunctions): HttpRoute[] {
  return resourcesOfType(context.template, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
    const props = route.Properties ?? {};
    const integrationId = context.resolve.string(props.Target).replace(/^integrations\//, '');
    const integration = context.template.Resources[integrationId]?.Properties ?? {};
    return {
      routeKey: String(props.RouteKey),
      fn: functions.resolved(context.resolve.string(integration.IntegrationUri)),
    };
  });
}

/**
 * The stack's HTTP API, and beside it the emulator's own routes: health, the outputs, Lambda's
 * Invoke API, and an invoke route for operators and tests (e.g. run the sweeper now).
 */
export function buildHttpApi(
  context: StackContext,
  functions: StackFunctions,
  options: {
    readonly stackName: string;
    readonly outputs: Readonly<Record<string, string>>;
    readonly endpoints: object;
    readonly errorBody?: GatewayErrorBody;
  },
): FastifyInstance {
  return buildApiGateway({
    routes: httpRoutes(context, functions),
    apiId: 'local',
    accountId: context.accountId,
    log: context.log,
    ...(options.errorBody ? { errorBody: options.errorBody } : {}),
    extend: (app) => registerAdminRoutes(app, functions, { ...options, context }),
  });
}

function registerAdminRoutes(
  app: FastifyInstance,
  functions: StackFunctions,
  options: {
    readonly stackName: string;
    readonly outputs: Readonly<Record<string, string>>;
    readonly endpoints: object;
    readonly errorBody?: GatewayErrorBody;
    readonly context: StackContext;
  },
): void {
  const errorBody = options.errorBody ?? apiGatewayErrorBody;
  // Only this machine's own tools may use these routes, not a web page (local-request-guard.ts).
  // The stack's own routes (the webhook capture) are not guarded: senders are servers, and a
  // tunnel forwards them with any Host.
  app.addHook('onRequest', async (request, reply) => {
    // By the route matched (not the raw URL, which may spell the same path otherwise).
    if (!isGuarded(request.routeOptions.url)) return;
    const refusal = refuseNonLocalRequest({
      method: request.method,
      headers: request.headers,
      port: request.socket.localPort ?? 0,
    });
    if (!refusal) return;
    options.context.log.warn(
      { url: request.url.split('?')[0], code: refusal.code },
      'local-only route refused',
    );
    return reply.code(refusal.statusCode).send(errorBody(refusal.code, refusal.message));
  });
  app.get('/_emulator/health', async () => ({ status: 'ready' }));
  app.get('/_emulator/outputs', async () => ({
    stackName: options.stackName,
    outputs: options.outputs,
    endpoints: options.endpoints,
  }));
  // Lambda's own Invoke API, for any Lambda client (the e2e suite's direct invocation).
  registerLambdaInvokeApi(app, {
    functions: functions.all,
    region: options.context.region,
    accountId: options.context.accountId,
    log: options.context.log,
  });
  // Lambda's Invoke, for operators and tests (e.g. run the sweeper now): local only.
  app.post<{ Params: { name: string } }>(
    '/_emulator/functions/:name/invoke',
    async (request, reply) => {
      const fn = functions.named(request.params.name);
      if (!fn) return reply.code(404).send(errorBody('function_not_found', 'No such function'));
      const body =
        request.body instanceof Buffer && request.body.length > 0
          ? JSON.parse(request.body.toString())
          : {};
      try {
        return await fn.invoke(body);
      } catch (error) {
        return reply.code(502).send(errorBody('function_error', (error as Error).message));
      }
    },
  );
}

/** The emulator's own routes and Lambda's Invoke API: local tools only. */
function isGuarded(route: string | undefined): boolean {
  return (
    route !== undefined &&
    (route.startsWith('/_emulator/') || route.startsWith('/2015-03-31/functions/'))
  );
}
