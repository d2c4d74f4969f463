import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Logger, pino } from 'pino';
import { buildApiGateway, type HttpRoute } from './api-gateway.js';
import { CheckpointStore } from './checkpoint-store.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { parseEventPattern } from './event-pattern.js';
import {
  buildFunctionUrl,
  DEFAULT_FUNCTION_URL_PORT,
  functionUrlId,
  functionUrlPorts,
} from './function-url.js';
import { registerLambdaInvokeApi } from './lambda-invoke-api.js';
import { type FunctionDefinition, LambdaFunction, type LogSink } from './lambda-runtime.js';
import {
  freePort,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localClientConfig,
} from './local-aws.js';
import { type Notification, TopicInbox } from './notifications.js';
import { provision, resolver } from './provision.js';
import { rateToMs, ScheduledRule } from './schedules.js';
import { SqsEventSource } from './sqs-event-source.js';
import { startSqsLocal } from './sqs-local.js';
import { StreamEventSource } from './stream-event-source.js';
import { synthesizeLocalStack, synthesizeLocalStackCached } from './synthesize.js';
import { type CfnTemplate, resourcesOfType } from './template.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface EmulatorOptions {
  /** 0 picks a free port. Defaults: API 3000, DynamoDB Local 8000, SQS (fauxqs) 9324. */
  readonly apiPort?: number;
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  /** The first function URL's own port (3002 by default, 0 a free one); any other URL's is free. */
  readonly functionUrlPort?: number;
  /** Where DynamoDB Local keeps its data and the stream checkpoints; undefined keeps all in memory. */
  readonly dataDir?: string;
  /** Environment the stack is synthesized with (FAULT_INJECTION, secrets, LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where each function's output goes; by default this process's stdout/stderr. */
  readonly functionLogs?: LogSink;
  readonly logger?: Logger;
  /** How many execution environments a function may run at once (Lambda's concurrency). */
  readonly maxConcurrency?: number;
  /** Where the operator topic's messages are appended (JSON Lines); printed either way. */
  readonly notificationsFile?: string;
  /** Called with each operator notification (tests). */
  readonly onNotification?: (notification: Notification) => void;
  /** Provision storage (tables, queues, topics) but run no functions, triggers or API routes. */
  readonly storageOnly?: boolean;
  /**
   * Reuse the assembly of an earlier run when the stack, the functions' code, the lock file and
   * the profile are unchanged (cdk.out/emulator-cache). Default: on, unless
   * `EMULATOR_SYNTH_CACHE=0`.
   */
  readonly synthCache?: boolean;
}

export interface Endpoints {
  readonly api: string;
  /** Lambda's Invoke API (`/2015-03-31/functions/…/invocations`), served beside the API. */
  readonly lambda: string;
  readonly dynamodb: string;
  readonly sqs: string;
  readonly region: string;
}

export interface RunningEmulator {
  readonly endpoints: Endpoints;
  /** The stack's outputs, resolved to local values (as `aws cloudformation describe-stacks` would show). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly template: CfnTemplate;
  /** How the stack's assembly was obtained: synthesized now, or reused (and how long it took). */
  readonly synthesis: { readonly cached: boolean; readonly ms: number };
  stop(): Promise<void>;
}

/**
 * The Docker-free local AWS: synthesizes the stack, starts DynamoDB Local and fauxqs, provisions
 * what the template declares, runs each function in its own execution environments, and wires
 * the template's event source mappings and HTTP routes.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const log = options.logger ?? pino({ level: 'info', base: { component: 'emulator' } });
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: Error) =>
        log.warn({ err: error.message }, 'error while stopping'),
      );
    }
    stops.length = 0;
  };

  try {
    const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
    const synthCache = options.synthCache ?? process.env.EMULATOR_SYNTH_CACHE !== '0';
    const synthesize = async () => {
      const began = Date.now();
      const synthesized = synthCache
        ? await synthesizeLocalStackCached({
            cacheDir: join(PROJECT_ROOT, 'cdk.out', 'emulator-cache'),
            env: options.env,
          })
        : // One assembly per run: two emulators (parallel test files) never bundle into one folder.
          await synthesizeLocalStack({
            outdir: join(
              PROJECT_ROOT,
              'cdk.out',
              `emulator-${process.pid}-${randomUUID().slice(0, 8)}`,
            ),
            env: options.env,
          });
      if (synthesized.temporary) {
        stops.push(async () => rmSync(synthesized.assemblyDir, { recursive: true, force: true }));
      }
      return { synthesized, ms: Date.now() - began };
    };

    const [apiPort, dynamodbPort] = await Promise.all([
      portOrFree(options.apiPort ?? 3000),
      portOrFree(options.dynamodbPort ?? 8000),
    ]);

    const started = Date.now();
    const [{ synthesized, ms: synthesisMs }, dynamodb, fauxqs] = await Promise.all([
      synthesize(),
      startDynamoDbLocal({
        port: dynamodbPort,
        ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
      }).then((d) => {
        stops.push(() => d.stop());
        return d;
      }),
      startSqsLocal({ port: options.sqsPort ?? 9324, region: LOCAL_REGION }).then((f) => {
        stops.push(() => f.stop());
        return f;
      }),
    ]);
    const endpoints: Endpoints = {
      api: `http://127.0.0.1:${apiPort}`,
      lambda: `http://127.0.0.1:${apiPort}`,
      dynamodb: dynamodb.endpoint,
      sqs: fauxqs.endpoint,
      region: LOCAL_REGION,
    };
    const synthesis = { cached: synthesized.cached, ms: synthesisMs };
    log.debug(
      { ms: Date.now() - started, synthesis },
      'synthesized the stack and started DynamoDB Local and fauxqs',
    );

    const dynamodbClient = new DynamoDBClient(localClientConfig(endpoints.dynamodb));
    const streamsClient = new DynamoDBStreamsClient(localClientConfig(endpoints.dynamodb));
    const sqsClient = new SQSClient(localClientConfig(endpoints.sqs));
    const snsClient = new SNSClient(localClientConfig(endpoints.sqs));
    stops.push(async () => {
      for (const client of [dynamodbClient, streamsClient, sqsClient, snsClient]) client.destroy();
    });

    const { template, stackName, assemblyDir } = synthesized;
    const naming = { stackName, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID };
    // Each function URL on its own port, as each has its own host on AWS.
    const urlPorts = await functionUrlPorts(
      template,
      options.functionUrlPort ?? DEFAULT_FUNCTION_URL_PORT,
      log,
    );
    const resources = await provision(
      template,
      { dynamodb: dynamodbClient, sqs: sqsClient, sns: snsClient },
      {
        ...naming,
        apiUrl: endpoints.api,
        functionUrls: new Map(
          [...urlPorts].map(([logicalId, port]) => [logicalId, `http://127.0.0.1:${port}/`]),
        ),
        log,
      },
    );
    const resolve_ = resolver(resources, naming);
    // Outputs, as describe-stacks would show them.
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(template.Outputs ?? {}))
      outputs[name] = resolve_.string(output.Value);
    if (options.storageOnly) return { endpoints, outputs, template, synthesis, stop: stopAll };

    // Functions: what Lambda would add to the template's environment, then the template's own.
    const runtimeEnv = {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      AWS_ENDPOINT_URL_SNS: endpoints.sqs,
      AWS_ENDPOINT_URL_S3: endpoints.sqs,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      // Lambda runs Node.js 22; the SDK's notice about this machine's Node.js 20 is noise there.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const logSink = options.functionLogs ?? defaultLogSink;
    const functions = new Map<string, LambdaFunction>();
    for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
      const props = resource.Properties ?? {};
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string')
        throw new Error(`Function ${logicalId} has no local asset to run`);
      const [file, handlerName] = splitHandler(String(props.Handler));
      const functionName = resources.get(logicalId)!.ref;
      const variables = (resolve_.value(
        (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      ) ?? {}) as Record<string, string>;
      const definition: FunctionDefinition = {
        logicalId,
        functionName,
        functionArn: resources.get(logicalId)!.attributes.Arn!,
        handlerFile: join(assemblyDir, assetPath, `${file}.mjs`),
        handlerName,
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
        environment: {
          ...runtimeEnv,
          ...variables,
          AWS_LAMBDA_FUNCTION_NAME: functionName,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 128),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          LAMBDA_TASK_ROOT: join(assemblyDir, assetPath),
        },
      };
      const fn = new LambdaFunction(definition, {
        maxConcurrency: options.maxConcurrency ?? 8,
        logSink,
      });
      functions.set(logicalId, fn);
      stops.push(() => fn.stop());
    }
    await Promise.all([...functions.values()].map((fn) => fn.warm()));

    // Event source mappings: stream or queue, told apart by the resolved source ARN.
    const checkpoints = new CheckpointStore(
      dataDir ? join(dataDir, 'stream-checkpoints.json') : undefined,
    );
    const sources: Array<StreamEventSource | SqsEventSource> = [];
    for (const [logicalId, resource] of resourcesOfType(
      template,
      'AWS::Lambda::EventSourceMapping',
    )) {
      const props = resource.Properties ?? {};
      if (props.Enabled === false) continue;
      const fn = findFunction(functions, resources, resolve_.string(props.FunctionName));
      const sourceArn = resolve_.string(props.EventSourceArn);
      const filters = (
        (props.FilterCriteria as { Filters?: Array<{ Pattern: string }> } | undefined)?.Filters ??
        []
      ).map((f) => parseEventPattern(f.Pattern));
      const reportBatchItemFailures = (
        (props.FunctionResponseTypes as string[] | undefined) ?? []
      ).includes('ReportBatchItemFailures');
      const queue = [...resources.values()].find(
        (r) => r.attributes.Arn === sourceArn && r.attributes.QueueUrl,
      );
      if (queue) {
        sources.push(
          new SqsEventSource({
            client: sqsClient,
            queueUrl: queue.attributes.QueueUrl!,
            queueArn: sourceArn,
            fn,
            settings: {
              batchSize: Number(props.BatchSize ?? 10),
              filters,
              reportBatchItemFailures,
            },
            log,
            region: LOCAL_REGION,
          }),
        );
      } else if (sourceArn.includes(':table/') && sourceArn.includes('/stream/')) {
        sources.push(
          new StreamEventSource({
            client: streamsClient,
            streamArn: sourceArn,
            fn,
            settings: {
              batchSize: Number(props.BatchSize ?? 100),
              filters,
              maximumRetryAttempts: Number(props.MaximumRetryAttempts ?? -1),
              bisectBatchOnFunctionError: props.BisectBatchOnFunctionError === true,
              reportBatchItemFailures,
              startingPosition: (props.StartingPosition as 'TRIM_HORIZON' | 'LATEST') ?? 'LATEST',
            },
            checkpoints,
            log,
            region: LOCAL_REGION,
          }),
        );
      } else {
        log.warn({ logicalId, sourceArn }, 'event source not emulated; skipped');
      }
    }

    // HTTP API routes → integrations → functions.
    const routes: HttpRoute[] = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(
      ([, route]) => {
        const props = route.Properties ?? {};
        const integrationId = resolve_.string(props.Target).replace(/^integrations\//, '');
        const integration = template.Resources[integrationId]?.Properties ?? {};
        return {
          routeKey: String(props.RouteKey),
          fn: findFunction(functions, resources, resolve_.string(integration.IntegrationUri)),
        };
      },
    );
    const api = buildApiGateway({
      routes,
      apiId: 'local',
      accountId: LOCAL_ACCOUNT_ID,
      extend: (app) => {
        app.get('/_emulator/health', async () => ({ status: 'ready' }));
        app.get('/_emulator/outputs', async () => ({ stackName, outputs, endpoints }));
        // Lambda's own Invoke API, for any Lambda client (the e2e suite's direct invocation).
        registerLambdaInvokeApi(app, {
          functions: [...functions.values()],
          region: LOCAL_REGION,
          accountId: LOCAL_ACCOUNT_ID,
          log,
        });
        // Lambda's Invoke, for operators and tests (e.g. run the sweeper now): local only.
        app.post<{ Params: { name: string } }>(
          '/_emulator/functions/:name/invoke',
          async (request, reply) => {
            const fn = [...functions.entries()].find(
              ([logicalId, f]) =>
                logicalId === request.params.name ||
                f.definition.functionName === request.params.name,
            )?.[1];
            if (!fn)
              return reply
                .code(404)
                .send({ error: { code: 'function_not_found', message: 'No such function' } });
            const body =
              request.body instanceof Buffer && request.body.length > 0
                ? JSON.parse(request.body.toString())
                : {};
            try {
              return await fn.invoke(body);
            } catch (error) {
              return reply
                .code(502)
                .send({ error: { code: 'function_error', message: (error as Error).message } });
            }
          },
        );
      },
    });
    // Function URLs → their functions.
    const functionUrls = [...urlPorts].map(([logicalId, port]) => {
      const target = template.Resources[logicalId]?.Properties?.TargetFunctionArn;
      const fn = findFunction(functions, resources, resolve_.string(target));
      const urlId = functionUrlId(logicalId, LOCAL_ACCOUNT_ID, LOCAL_REGION);
      return { port, app: buildFunctionUrl({ fn, urlId, region: LOCAL_REGION, log }) };
    });
    // EventBridge schedules → their target functions.
    for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::Rule')) {
      const props = resource.Properties ?? {};
      const periodMs = rateToMs(String(props.ScheduleExpression ?? ''));
      if (periodMs === undefined || props.State === 'DISABLED') {
        log.warn({ logicalId, schedule: props.ScheduleExpression }, 'rule not emulated; skipped');
        continue;
      }
      for (const target of (props.Targets as Array<{ Arn: unknown }> | undefined) ?? []) {
        const rule = new ScheduledRule({
          ruleArn: resources.get(logicalId)!.attributes.Arn!,
          periodMs,
          target: findFunction(functions, resources, resolve_.string(target.Arn)),
          region: LOCAL_REGION,
          accountId: LOCAL_ACCOUNT_ID,
          log,
        });
        stops.push(() => rule.stop());
      }
    }

    // SNS topics → a local inbox: a prominent line on stdout and the notifications file.
    for (const [logicalId] of resourcesOfType(template, 'AWS::SNS::Topic')) {
      const inbox = await TopicInbox.start(
        { sqs: sqsClient, sns: snsClient },
        {
          topicArn: resources.get(logicalId)!.ref,
          ...(options.notificationsFile ? { file: options.notificationsFile } : {}),
          ...(options.onNotification ? { onNotification: options.onNotification } : {}),
          print: options.onNotification ? () => {} : (line) => process.stdout.write(`${line}\n`),
          log,
        },
      );
      stops.push(() => inbox.stop());
    }

    await api.listen({ port: apiPort, host: '127.0.0.1' });
    for (const source of sources) {
      source.start();
      stops.push(() => source.stop());
    }
    // Unwound in reverse: the API stops taking webhooks first, then the event sources, the
    // functions and the storage.
    stops.push(() => api.close());
    for (const { port, app } of functionUrls) {
      await app.listen({ port, host: '127.0.0.1' });
      stops.push(() => app.close());
    }

    return { endpoints, outputs, template, synthesis, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function findFunction(
  functions: Map<string, LambdaFunction>,
  resources: Map<string, { ref: string; attributes: Readonly<Record<string, string>> }>,
  nameOrArn: string,
): LambdaFunction {
  for (const [logicalId, fn] of functions) {
    const physical = resources.get(logicalId)!;
    if (physical.ref === nameOrArn || physical.attributes.Arn === nameOrArn) return fn;
  }
  throw new Error(`No function ${nameOrArn} in the template`);
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

async function portOrFree(port: number): Promise<number> {
  return port === 0 ? freePort() : port;
}

const defaultLogSink: LogSink = (_fn, stream, chunk) => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
};
