import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { drainRequest, MAX_DRAINED_BYTES } from './drain-request.js';
import { FunctionError, type LambdaFunction, MAX_PAYLOAD_BYTES } from './lambda-runtime.js';

export interface LambdaInvokeApiOptions {
  readonly functions: readonly LambdaFunction[];
  readonly region: string;
  readonly accountId: string;
  readonly log: Logger;
}

/** A `FunctionName` as Invoke accepts it: a name, an ARN or a partial ARN, maybe qualified. */
export interface FunctionReference {
  readonly name: string;
  readonly qualifier?: string;
  readonly region?: string;
  readonly accountId?: string;
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const QUALIFIER = /^(\$LATEST|[a-zA-Z0-9_-]{1,128})$/;

/**
 * Parses Invoke's `FunctionName`: `name`, `name:qualifier`, `123456789012:function:name[:q]`
 * or `arn:aws:lambda:region:123456789012:function:name[:q]`. Undefined when it is none of these.
 */
export function parseFunctionName(value: string): FunctionReference | undefined {
  const parts = value.split(':');
  let reference: FunctionReference | undefined;
  if (parts[0] === 'arn') {
    const [, partition, service, region, accountId, resource, name, qualifier, ...rest] = parts;
    if (
      partition?.startsWith('aws') &&
      service === 'lambda' &&
      resource === 'function' &&
      name &&
      rest.length === 0
    ) {
      reference = { name, region, accountId, ...(qualifier ? { qualifier } : {}) };
    }
  } else if (parts.length <= 2) {
    const [name = '', qualifier] = parts;
    reference = { name, ...(qualifier !== undefined ? { qualifier } : {}) };
  } else if (parts.length <= 4 && parts[1] === 'function') {
    const [accountId, , name = '', qualifier] = parts;
    reference = { name, accountId, ...(qualifier !== undefined ? { qualifier } : {}) };
  }
  if (!reference || !NAME.test(reference.name)) return undefined;
  if (reference.qualifier !== undefined && !QUALIFIER.test(reference.qualifier)) return undefined;
  if (reference.accountId !== undefined && !/^\d{12}$/.test(reference.accountId)) return undefined;
  return reference;
}

/**
 * Lambda's Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`) for
 * synchronous (RequestResponse) invocations of the stack's functions, so any Lambda client
 * (the AWS SDK, the CLI) can call them as on AWS: the function's result as the payload, a
 * function error as `X-Amz-Function-Error: Unhandled` with `{errorType, errorMessage}`, and
 * Lambda's own errors (unknown function, bad JSON, over 6 MB) as its error types. Only
 * `$LATEST` exists locally. Asynchronous (`Event`) and `DryRun` invocations are refused, with
 * a message saying so; `LogType: Tail` is ignored (the function's logs go to the log sink).
 */
export function registerLambdaInvokeApi(app: FastifyInstance, options: LambdaInvokeApiOptions) {
  const arnOf = (name: string, qualifier?: string) =>
    `arn:aws:lambda:${options.region}:${options.accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

  // Its own scope: Lambda's error shape here, whatever the API around it answers.
  app.register(async (scope) => {
    scope.setErrorHandler(async (error: { statusCode?: number; code?: string }, request, reply) => {
      if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        // Read the rest first, so the client gets this answer rather than a closed connection.
        if (!(await drainRequest(request.raw, MAX_DRAINED_BYTES)))
          reply.header('connection', 'close');
        return lambdaError(
          reply,
          413,
          'RequestTooLargeException',
          `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
        );
      }
      options.log.error({ err: (error as Error).message }, 'lambda invoke failed');
      return lambdaError(reply, 500, 'ServiceException', 'The emulator could not run the request.');
    });

    scope.post<{ Params: { functionName: string }; Querystring: { Qualifier?: string } }>(
      '/2015-03-31/functions/:functionName/invocations',
      { bodyLimit: MAX_PAYLOAD_BYTES },
      async (request, reply) => {
        const reference = parseFunctionName(request.params.functionName);
        if (!reference) {
          return lambdaError(
            reply,
            400,
            'ValidationException',
            `1 validation error detected: Value '${request.params.functionName.slice(0, 170)}' at 'functionName' failed to satisfy constraint: Member must be a function name or ARN`,
          );
        }
        const queryQualifier = request.query.Qualifier;
        if (
          queryQualifier !== undefined &&
          reference.qualifier !== undefined &&
          queryQualifier !== reference.qualifier
        ) {
          return lambdaError(
            reply,
            400,
            'InvalidParameterValueException',
            'The derived qualifier from the function name does not match the specified qualifier.',
          );
        }
        const qualifier = queryQualifier ?? reference.qualifier;
        const fn = options.functions.find((f) => f.definition.functionName === reference.name);
        const elsewhere =
          (reference.region !== undefined && reference.region !== options.region) ||
          (reference.accountId !== undefined && reference.accountId !== options.accountId);
        if (!fn || elsewhere || (qualifier !== undefined && qualifier !== '$LATEST')) {
          return lambdaError(
            reply,
            404,
            'ResourceNotFoundException',
            `Function not found: ${arnOf(reference.name, qualifier)}`,
          );
        }

        const invocationType = headerValue(request.headers['x-amz-invocation-type']);
        if (invocationType !== undefined && invocationType !== 'RequestResponse') {
          return lambdaError(
            reply,
            400,
            'InvalidParameterValueException',
            `InvocationType ${invocationType.slice(0, 32)} is not emulated locally: only RequestResponse invocations are.`,
          );
        }

        const body = request.body instanceof Buffer ? request.body : Buffer.alloc(0);
        let event: unknown = {};
        if (body.length > 0) {
          try {
            event = JSON.parse(body.toString('utf8'));
          } catch (error) {
            return lambdaError(
              reply,
              400,
              'InvalidRequestContentException',
              `Could not parse request body into json: ${(error as Error).message}`,
            );
          }
        }

        const requestId = randomUUID();
        reply
          .header('x-amzn-requestid', requestId)
          .header('x-amz-executed-version', '$LATEST')
          .header('content-type', 'application/json');
        try {
          const result = await fn.invoke(event);
          return reply.code(200).send(JSON.stringify(result ?? null));
        } catch (error) {
          if (!(error instanceof FunctionError) || error.errorType === 'Runtime.Stopped') {
            throw error;
          }
          if (error.errorType === 'RequestTooLargeException') {
            return lambdaError(
              reply,
              413,
              'RequestTooLargeException',
              `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
            );
          }
          options.log.debug(
            { functionName: reference.name, requestId, errorType: error.errorType },
            'function error',
          );
          return reply
            .code(200)
            .header('x-amz-function-error', 'Unhandled')
            .send(
              JSON.stringify({ errorType: error.errorType, errorMessage: errorMessageOf(error) }),
            );
        }
      },
    );
  });
}

/** FunctionError prefixes its message with the function and the error type; Lambda does not. */
function errorMessageOf(error: FunctionError): string {
  const prefix = `${error.functionName}: ${error.errorType}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Lambda's error responses: the type in `x-amzn-ErrorType`, the body `{Type, message}`. */
function lambdaError(reply: FastifyReply, status: number, type: string, message: string) {
  return reply
    .code(status)
    .header('x-amzn-errortype', type)
    .header('content-type', 'application/json')
    .send(JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message }));
}
