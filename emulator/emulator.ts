import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Logger, pino } from 'pino';
import { CheckpointStore } from './checkpoint-store.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { eventSources } from './event-sources.js';
import {
  buildFunctionUrl,
  DEFAULT_FUNCTION_URL_PORT,
  functionUrlId,
  functionUrlPorts,
} from './function-url.js';
import { defaultLogSink, StackFunctions, type StackFunctionsOptions } from './functions.js';
import { buildHttpApi } from './http-api.js';
import type { GatewayErrorBody } from './http-api-response.js';
import type { FunctionDefinition, LogSink } from './lambda-runtime.js';
import { freePort, LOCAL_ACCOUNT_ID, LOCAL_REGION, localClientConfig } from './local-aws.js';
import {
  type Notification,
  type NotificationFormatter,
  startTopicInboxes,
} from './notifications.js';
import { provision, provisionTables, resolver } from './provision.js';
import { startSchedules } from './schedules.js';
import { startSqsLocal } from './sqs-local.js';
import type { StackContext } from './stack-context.js';
import { StreamEventSource } from './stream-event-source.js';
import {
  ASSEMBLY_CACHE_DIR,
  readAssembly,
  synthesizeLocalStackCached,
  synthesizeLocalStackInChild,
} from './synthesize.js';
import { type CfnTemplate, TemplateResolutionError } from './template.js';
import { type StorageWarmUp, warmStorage } from './warm-up.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface EmulatorOptions {
  /** 0 picks a free port. Defaults: API 3000, DynamoDB Local 8000, SQS (fauxqs) 9324. */
  readonly apiPort?: number;
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  /** The first function URL's own port (3002 by default, 0 a free one); any other URL's is free. */
  readonly functionUrlPort?: number;
  /**
   * Where DynamoDB Local keeps its data, S3 its objects, and the stream pollers their
   * checkpoints; undefined keeps all in memory.
   */
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
  /** How a topic's message is printed; by default its subject and JSON (notifications.ts). */
  readonly formatNotification?: NotificationFormatter;
  /**
   * The body of the API's own error answers (no route, over 10 MB, the function failed, the
   * emulator's routes); by default API Gateway's `{"message": …}`.
   */
  readonly errorBody?: GatewayErrorBody;
  /** Provision storage (tables, queues, topics) but run no functions, triggers or API routes. */
  readonly storageOnly?: boolean;
  /**
   * DynamoDB Local and SQS endpoints that are already running (shared by several emulators, as
   * the test suite does): none is started and none is stopped. `dynamodbPort`, `sqsPort` and
   * `dataDir`'s DynamoDB files are then unused.
   */
  readonly storage?: { readonly dynamodb: string; readonly sqs: string };
  /**
   * The stack name physical names are derived from (default: the synthesized stack's). Two
   * emulators on the same storage need different names, or they share tables and queues.
   */
  readonly stackName?: string;
  /**
   * Reuse the assembly of an earlier run when the stack, the functions' code, the lock file and
   * the profile are unchanged (cdk.out/emulator-cache). Default: on, unless
   * `EMULATOR_SYNTH_CACHE=0`.
   */
  readonly synthCache?: boolean;
  /**
   * An assembly synthesized earlier (e.g. once for a whole test run): used as it is, neither
   * synthesized nor checked against its inputs. `env` and `synthCache` are then unused.
   */
  readonly assemblyDir?: string;
  /**
   * Requests to run against scratch copies of the stack's tables while the stack starts, so that
   * DynamoDB Local has met them before the first webhook does (emulator/warm-up.ts). Only for a
   * DynamoDB Local this emulator starts, not for shared `storage`; `EMULATOR_WARM_UP=0` skips it.
   */
  readonly warmUp?: StorageWarmUp;
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
      if (options.assemblyDir)
        return { synthesized: readAssembly(options.assemblyDir), ms: Date.now() - began };
      const synthesized = synthCache
        ? await synthesizeLocalStackCached({
            cacheDir: ASSEMBLY_CACHE_DIR,
            env: options.env,
          })
        : // One assembly per run: two emulators (parallel test files) never bundle into one folder.
          await synthesizeLocalStackInChild({
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

    const apiPort = await portOrFree(options.apiPort ?? 3000);
    // DynamoDB Local's JVM takes seconds to answer. What does not need it goes on meanwhile:
    // synthesis, fauxqs, provisioning the rest, and the functions' first environments.
    const dynamodbPort = options.storage
      ? undefined
      : await portOrFree(options.dynamodbPort ?? 8000);
    const dynamodbStarting =
      dynamodbPort === undefined
        ? Promise.resolve(undefined)
        : startDynamoDbLocal({
            port: dynamodbPort,
            log,
            ...(dataDir ? { dataDir: join(dataDir, 'dynamodb') } : {}),
          });
    // Stopped last (pushed first), once started, whatever fails meanwhile.
    stops.push(async () => (await dynamodbStarting.catch(() => undefined))?.stop());
    const startSqs = async () => {
      if (options.storage) return options.storage.sqs;
      const fauxqs = await startSqsLocal({
        port: options.sqsPort ?? 9324,
        region: LOCAL_REGION,
        ...(dataDir ? { s3Dir: join(dataDir, 's3') } : {}),
      });
      stops.push(() => fauxqs.stop());
      return fauxqs.endpoint;
    };

    const started = Date.now();
    const [{ synthesized, ms: synthesisMs }, sqsEndpoint] = await Promise.all([
      synthesize(),
      startSqs(),
    ]);
    const endpoints: Endpoints = {
      api: `http://127.0.0.1:${apiPort}`,
      lambda: `http://127.0.0.1:${apiPort}`,
      dynamodb: options.storage?.dynamodb ?? `http://127.0.0.1:${dynamodbPort}`,
      sqs: sqsEndpoint,
      region: LOCAL_REGION,
    };
    const synthesis = { cached: synthesized.cached, ms: synthesisMs };
    log.debug({ ms: Date.now() - started, synthesis }, 'synthesized the stack and started fauxqs');

    const dynamodbClient = new DynamoDBClient(localClientConfig(endpoints.dynamodb));
    // The stream pollers' reads reuse one resolved handler per request type (see
    // StreamEventSource): the same requests, a fraction of the SDK's CPU for each.
    const streamsClient = new DynamoDBStreamsClient({
      ...localClientConfig(endpoints.dynamodb),
      cacheMiddleware: true,
    });
    const sqsClient = new SQSClient(localClientConfig(endpoints.sqs));
    const snsClient = new SNSClient(localClientConfig(endpoints.sqs));
    const s3Client = new S3Client({ ...localClientConfig(endpoints.sqs), forcePathStyle: true });
    stops.push(async () => {
      for (const client of [dynamodbClient, streamsClient, sqsClient, snsClient, s3Client])
        client.destroy();
    });

    // Provision: queues, topics and buckets created, every resource's physical name and ARN;
    // the tables are named now and created once DynamoDB Local answers.
    const { template, assemblyDir } = synthesized;
    const stackName = options.stackName ?? synthesized.stackName;
    const naming = { stackName, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID };
    // Each function URL on its own port, as each has its own host on AWS.
    const urlPorts = await functionUrlPorts(
      template,
      options.functionUrlPort ?? DEFAULT_FUNCTION_URL_PORT,
      log,
    );
    const clients = { dynamodb: dynamodbClient, sqs: sqsClient, sns: snsClient, s3: s3Client };
    const provisionOptions = {
      ...naming,
      apiUrl: endpoints.api,
      functionUrls: new Map(
        [...urlPorts].map(([logicalId, port]) => [logicalId, `http://127.0.0.1:${port}/`]),
      ),
      log,
    };
    const resources = await provision(template, clients, {
      ...provisionOptions,
      tablesNamedOnly: true,
    });
    const context: StackContext = {
      template,
      resources,
      resolve: resolver(resources, naming),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      log,
    };
    const functionOptions: StackFunctionsOptions = {
      assemblyDir,
      endpoints,
      maxConcurrency: options.maxConcurrency ?? 8,
      logSink: options.functionLogs ?? defaultLogSink,
    };
    const early = options.storageOnly ? undefined : startEarly(context, functionOptions, log);
    if (early) stops.push(async () => (await early)?.stop());

    await dynamodbStarting;
    // Beside provisioning and the functions' start; awaited before the API listens.
    const warmingUp =
      options.warmUp &&
      !options.storage &&
      !options.storageOnly &&
      process.env.EMULATOR_WARM_UP !== '0'
        ? warmStorage({
            template,
            clients,
            streams: streamsClient,
            options: provisionOptions,
            warmUp: options.warmUp,
            log,
          })
        : undefined;
    stops.push(async () => warmingUp);
    await provisionTables(template, clients, provisionOptions, resources);
    // Outputs, as describe-stacks would show them.
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(template.Outputs ?? {}))
      outputs[name] = context.resolve.string(output.Value);
    if (options.storageOnly) return { endpoints, outputs, template, synthesis, stop: stopAll };

    // Wire, one resource type at a time; each part is stopped in reverse order. The functions
    // started early are kept only if they run what the complete stack resolves to.
    const definitions = StackFunctions.definitions(context, functionOptions);
    let functions = await early;
    if (functions && !functions.runs(definitions)) {
      log.debug('the functions started early differ from the provisioned stack; restarting them');
      await functions.stop();
      functions = undefined;
    }
    if (!functions) {
      const started = await StackFunctions.start(context, functionOptions, definitions);
      stops.push(() => started.stop());
      functions = started;
    }
    const checkpoints = new CheckpointStore(
      dataDir ? join(dataDir, 'stream-checkpoints.json') : undefined,
    );
    // Unwound after the event sources have stopped: the last checkpoints they moved are written.
    stops.push(async () => checkpoints.flush());
    const sources = eventSources(
      context,
      functions,
      { sqs: sqsClient, streams: streamsClient },
      checkpoints,
    );
    const api = buildHttpApi(context, functions, {
      stackName,
      outputs,
      endpoints,
      ...(options.errorBody ? { errorBody: options.errorBody } : {}),
    });
    // Function URLs → their functions.
    const functionUrls = [...urlPorts].map(([logicalId, port]) => {
      const target = template.Resources[logicalId]?.Properties?.TargetFunctionArn;
      const fn = functions.resolved(context.resolve.string(target));
      const urlId = functionUrlId(logicalId, LOCAL_ACCOUNT_ID, LOCAL_REGION);
      const app = buildFunctionUrl({
        fn,
        urlId,
        region: LOCAL_REGION,
        log,
        ...(options.errorBody ? { errorBody: options.errorBody } : {}),
      });
      return { port, app };
    });
    for (const rule of startSchedules(context, functions)) stops.push(() => rule.stop());
    // SNS topics → a local inbox: a prominent line on stdout and the notifications file.
    const inboxes = await startTopicInboxes(
      context,
      { sqs: sqsClient, sns: snsClient },
      {
        ...(options.notificationsFile ? { file: options.notificationsFile } : {}),
        ...(options.onNotification ? { onNotification: options.onNotification } : {}),
        ...(options.formatNotification ? { format: options.formatNotification } : {}),
        print: options.onNotification ? () => {} : (line) => process.stdout.write(`${line}\n`),
      },
    );
    for (const inbox of inboxes) stops.push(() => inbox.stop());

    // A stream source reads as soon as a function (capture, above all) has written, instead of
    // waiting out its backstop poll, which is left for writes made outside the emulator.
    functions.onInvocationEnd((fn) => {
      for (const source of sources)
        if (source instanceof StreamEventSource) source.invocationEnded(fn);
    });
    await warmingUp;
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

/**
 * One environment per function, initialised while DynamoDB Local boots, with the environment
 * the stack resolves to so far (the tables named, not created). Undefined when a function's
 * variables need more than that, or when an initialisation fails: the functions then start
 * once everything is provisioned (and an init error is reported there).
 */
function startEarly(
  context: StackContext,
  options: StackFunctionsOptions,
  log: Logger,
): Promise<StackFunctions | undefined> | undefined {
  let definitions: Map<string, FunctionDefinition>;
  try {
    definitions = StackFunctions.definitions(context, options);
  } catch (error) {
    if (error instanceof TemplateResolutionError) return undefined;
    throw error;
  }
  return StackFunctions.start(context, options, definitions).catch((error: Error) => {
    log.debug({ err: error.message }, 'the functions could not start early; starting them later');
    return undefined;
  });
}

async function portOrFree(port: number): Promise<number> {
  return port === 0 ? freePort() : port;
}
