import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type {
  APIGatewayProxyResultV2,
  DynamoDBStreamEvent,
  ScheduledEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApiEvent } from '../../emulator/http-api-event.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from '../../emulator/local-aws.js';
import { type CfnTemplate, resourcesOfType } from '../../emulator/template.js';
import { PROVIDER_REGISTRY } from '../../services/providers/registry.js';
import type { Webhook } from '../../services/webhooks/webhook.js';
import { toWebhookItem } from '../../services/webhooks/webhook-item.js';
import { sha256 } from '../../services/webhooks/webhook-ledger.js';
import { stripeEvent } from '../../tools/signing-proxy/events.js';
import { signedHeaders } from '../../tools/signing-proxy/signed-request.js';
import { type LocalStorage, startLocalStorage } from '../helpers/local-storage.js';
import { inlineBody, webhookRecord } from '../helpers/webhook-record.js';

/*
 * Least privilege, checked against what the code does: the real handlers (capture, process,
 * retry, sweep) run in this process against DynamoDB Local and fauxqs, down every ledger
 * path they have (success, failure, lost claim, unsent retry, id-only message, dead, unknown
 * webhook, each sweep case, a claim-checked body). Every DynamoDB and S3 call they send is
 * recorded and turned into the IAM permission it needs (TransactWriteItems needs each item's own
 * action). Neither the emulator nor DynamoDB Local enforces IAM, so this is where a grant that
 * is too narrow shows up before AWS: each function must need exactly the table and payload
 * bucket permissions the synthesized template grants it.
 */

type FunctionKey = 'CaptureFunction' | 'ProcessFunction' | 'RetryFunction' | 'SweepFunction';

let storage: LocalStorage;
let sqs: SQSClient;
let template: CfnTemplate;
let tableName: string;
let current: FunctionKey | undefined;
const used = new Map<FunctionKey, Set<string>>();

const handlers = {} as {
  capture: (event: unknown) => Promise<APIGatewayProxyResultV2>;
  process: (event: DynamoDBStreamEvent) => Promise<{ batchItemFailures: unknown[] }>;
  retry: (event: SQSEvent) => Promise<{ batchItemFailures: unknown[] }>;
  sweep: (event: ScheduledEvent) => Promise<Record<string, unknown>>;
};

beforeAll(async () => {
  storage = await startLocalStorage();
  template = storage.emulator.template;
  tableName = storage.tableName;
  const outputs = storage.emulator.outputs;
  sqs = new SQSClient({
    ...localClientConfig(storage.emulator.endpoints.sqs),
    useQueueUrlAsEndpoint: false,
  });
  // What the stack and Lambda give the functions; read once, on the handlers' first use.
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: storage.emulator.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: storage.emulator.endpoints.sqs,
    AWS_ENDPOINT_URL_SNS: storage.emulator.endpoints.sqs,
    AWS_ENDPOINT_URL_S3: storage.emulator.endpoints.sqs,
    TABLE_NAME: tableName,
    PAYLOAD_BUCKET: outputs.PayloadBucketName,
    FAILED_QUEUE_URL: outputs.FailedQueueUrl,
    OPERATOR_TOPIC_ARN: outputs.OperatorTopicArn,
    STRIPE_WEBHOOK_SECRET: PROVIDER_REGISTRY.stripe.secret.localDefault,
    BIGCOMMERCE_CLIENT_SECRET: PROVIDER_REGISTRY.bigcommerce.secret.localDefault,
    RETENTION_DAYS: '1',
    LEASE_SECONDS: '30',
    MAX_RECEIVE_COUNT: '2',
    // The local profile's backoff: the first retry's message is held back 1 s.
    RETRY_BACKOFF_FIRST_SECONDS: '1',
    RETRY_BACKOFF_FACTOR: '3',
    SWEEP_PROCESSING_GRACE_SECONDS: '1',
    SWEEP_FAILED_AFTER_SECONDS: '1',
    SWEEP_RECEIVED_AFTER_SECONDS: '1',
    FAULT_INJECTION: '1',
    LOG_LEVEL: 'silent',
  });
  const { getDocumentClient, getS3Client } = await import('../../services/shared/aws-clients.js');
  // Every command any handler sends through the process's one DynamoDB client.
  getDocumentClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (current) {
        const set = used.get(current) ?? new Set<string>();
        for (const p of permissionsFor(context.commandName ?? '', args.input)) set.add(p);
        used.set(current, set);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordTablePermissions' },
  );
  // And every command through its one S3 client (claim-checked bodies).
  (await getS3Client()).middlewareStack.add(
    (next, context) => async (args) => {
      if (current) {
        const set = used.get(current) ?? new Set<string>();
        set.add(s3PermissionFor(context.commandName ?? '', args.input));
        used.set(current, set);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordBucketPermissions' },
  );
  handlers.capture = (await import('../../services/handlers/capture.js')).handler as never;
  handlers.process = (await import('../../services/handlers/process.js')).handler;
  handlers.retry = (await import('../../services/handlers/retry.js')).handler;
  handlers.sweep = (await import('../../services/handlers/sweep.js')).handler as never;
}, 180_000);

afterAll(async () => {
  sqs?.destroy();
  await storage?.stop();
});

/** Runs `body` as function `key`: the calls it sends are recorded against that function. */
async function as<T>(key: FunctionKey, body: () => Promise<T>): Promise<T> {
  current = key;
  try {
    return await body();
  } finally {
    current = undefined;
  }
}

const MINUTE = 60_000;
/** A store whose clock is `minutes` in the past: items set up with it look stuck now. */
const pastStore = (minutes: number) =>
  storage.store({ now: () => new Date(Date.now() - minutes * MINUTE) });

/**
 * A Stripe event over the inline threshold, captured by the capture handler (as the capture
 * function: its PutObject is recorded): the stored webhook points at the payload bucket.
 */
async function claimCheckedWebhook(headers: Record<string, string> = {}): Promise<Webhook> {
  const event = stripeEvent();
  event.data.object.metadata = { note: 'n'.repeat(100 * 1024) };
  const rawBody = JSON.stringify(event);
  const response = await as('CaptureFunction', () =>
    handlers.capture(captureRequest(rawBody, headers)),
  );
  const { id } = JSON.parse((response as { body: string }).body) as { id: string };
  const webhook = await storage.store().ledger.getWebhook(id);
  expect(webhook?.body).toMatchObject({ location: 's3' });
  return webhook!;
}

function captureRequest(rawBody: string, headers: Record<string, string> = {}) {
  return buildHttpApiEvent(
    {
      method: 'POST',
      url: '/api/webhooks/stripe',
      headers: {
        'content-type': 'application/json',
        ...signedHeaders('stripe', rawBody),
        ...headers,
      },
      body: Buffer.from(rawBody),
      pathParameters: { provider: 'stripe' },
      sourceIp: '127.0.0.1',
    },
    { routeKey: 'POST /api/webhooks/{provider}', apiId: 'test', accountId: '000000000000' },
  );
}

function paymentWebhook(overrides: Partial<Webhook> = {}): Webhook {
  const event = stripeEvent();
  return webhookRecord({
    eventId: event.id,
    eventType: event.type,
    body: inlineBody(JSON.stringify(event)),
    ...overrides,
  });
}

function streamEvent(webhook: Webhook): DynamoDBStreamEvent {
  return {
    Records: [
      {
        eventName: 'INSERT',
        dynamodb: {
          SequenceNumber: String(Date.now()),
          // The item as the stream carries it (the handler drops the keys): JSON, so a Binary
          // attribute (an inline body) is base64 text.
          NewImage: JSON.parse(
            JSON.stringify(marshall(toWebhookItem(webhook)), (_key, value) =>
              value instanceof Uint8Array || value?.type === 'Buffer'
                ? Buffer.from(value.data ?? value).toString('base64')
                : value,
            ),
          ) as never,
        },
      },
    ],
  } as DynamoDBStreamEvent;
}

function sqsEvent(body: string, receiveCount: number): SQSEvent {
  return {
    Records: [
      {
        messageId: `m-${Date.now()}`,
        body,
        attributes: { ApproximateReceiveCount: String(receiveCount) },
        messageAttributes: {},
      } as unknown as SQSRecord,
    ],
  };
}

/** A webhook in `failed` with this queue token, as a stream attempt leaves it. */
async function failedWebhook(webhook: Webhook, queueToken: string, minutesAgo = 0) {
  const store = pastStore(minutesAgo);
  await store.ledger.create(webhook);
  await store.ledger.claim(webhook.id, { from: 'received', leaseSeconds: 30, trigger: 'stream' });
  await store.ledger.finish(webhook.id, 1, 'failed', {
    error: { code: 'x', message: 'set up' },
    queueToken,
  });
}

async function receiveFailedMessage(id: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: storage.emulator.outputs.FailedQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    const found = Messages.find((m) => (JSON.parse(m.Body ?? '{}') as { id?: string }).id === id);
    if (found?.Body) return found.Body;
  }
  throw new Error(`no failed-queue message for ${id}`);
}

describe('every DynamoDB call of every handler path is granted to its function', () => {
  it('capture: a new webhook, a duplicate, a conflicting copy, and a claim-checked body', async () => {
    await claimCheckedWebhook();
    const original = stripeEvent();
    const request = (rawBody: string) => captureRequest(rawBody);
    const event = request(JSON.stringify(original));
    const first = await as('CaptureFunction', () => handlers.capture(event));
    const again = await as('CaptureFunction', () => handlers.capture(event));
    // Same event id, another body: the conflict is counted on the status.
    const changedBody = JSON.stringify({ ...original, livemode: true });
    const changed = request(changedBody);
    const logged: string[] = [];
    // The handlers log nothing here (LOG_LEVEL silent) but for this one call.
    const { logger } = await import('../../services/shared/logger.js');
    logger.level = 'warn';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logged.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    const conflicting = await as('CaptureFunction', () => handlers.capture(changed)).finally(() => {
      process.stdout.write = write;
      logger.level = 'silent';
    });
    // A warning with both bodies' SHA-256.
    const warning = logged
      .flatMap((l) => l.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'capture.conflict');
    expect(warning).toMatchObject({
      level: 'warn',
      storedSha256: sha256(JSON.stringify(original)),
      receivedSha256: sha256(changedBody),
      conflicts: 1,
    });
    expect(
      [first, again, conflicting].map((r) => (r as { statusCode: number }).statusCode),
    ).toEqual([202, 200, 200]);
    const { id } = JSON.parse((first as { body: string }).body) as { id: string };
    expect(await storage.store().ledger.getState(id)).toMatchObject({ conflicts: 1 });
  });

  it('process: completed, failed and enqueued, already done, a retry never sent, a claim-checked body', async () => {
    const large = await claimCheckedWebhook();
    expect(
      (await as('ProcessFunction', () => handlers.process(streamEvent(large)))).batchItemFailures,
    ).toEqual([]);
    expect(await storage.store().ledger.getState(large.id)).toMatchObject({
      status: 'completed',
    });
    const ok = paymentWebhook();
    await storage.store().ledger.create(ok);
    const failsOnce = paymentWebhook({ headers: { 'x-fault-fail-attempts': '1' } });
    await storage.store().ledger.create(failsOnce);
    const unsent = paymentWebhook();
    await failedWebhook(unsent, 'never-sent');

    for (const webhook of [ok, failsOnce, ok, unsent]) {
      const result = await as('ProcessFunction', () => handlers.process(streamEvent(webhook)));
      expect(result.batchItemFailures).toEqual([]);
    }
    expect(await storage.store().ledger.getState(ok.id)).toMatchObject({ status: 'completed' });
    expect(await storage.store().ledger.getState(failsOnce.id)).toMatchObject({ status: 'failed' });
    expect(await storage.store().ledger.getState(unsent.id)).toMatchObject({
      queuedToken: 'never-sent',
    });
  });

  it('retry: a retry that completes, an id-only message, a failure, the last failure, a stale message, an unknown webhook', async () => {
    const failsOnce = paymentWebhook({ headers: { 'x-fault-fail-attempts': '1' } });
    await storage.store().ledger.create(failsOnce);
    // And one whose body is in the payload bucket.
    const largeFailsOnce = await claimCheckedWebhook({ 'x-fault-fail-attempts': '1' });
    for (const webhook of [failsOnce, largeFailsOnce]) {
      await as('ProcessFunction', () => handlers.process(streamEvent(webhook)));
      const message = await receiveFailedMessage(webhook.id);
      await as('RetryFunction', () => handlers.retry(sqsEvent(message, 1)));
      expect(await storage.store().ledger.getState(webhook.id)).toMatchObject({
        status: 'completed',
        attempts: 2,
      });
    }

    const idOnly = paymentWebhook();
    await failedWebhook(idOnly, 'id-only');
    const body = JSON.stringify({ id: idOnly.id, queueToken: 'id-only' });
    await as('RetryFunction', () => handlers.retry(sqsEvent(body, 1)));
    expect(await storage.store().ledger.getState(idOnly.id)).toMatchObject({ status: 'completed' });

    const alwaysFails = paymentWebhook({ headers: { 'x-fault-fail-attempts': '99' } });
    await failedWebhook(alwaysFails, 'a');
    const failing = JSON.stringify({ id: alwaysFails.id, queueToken: 'a', webhook: alwaysFails });
    await as('RetryFunction', () => handlers.retry(sqsEvent(failing, 1)));
    expect(await storage.store().ledger.getState(alwaysFails.id)).toMatchObject({
      status: 'failed',
    });
    await as('RetryFunction', () => handlers.retry(sqsEvent(failing, 2)));
    expect(await storage.store().ledger.getState(alwaysFails.id)).toMatchObject({ status: 'dead' });

    const stale = JSON.stringify({ id: idOnly.id, queueToken: 'old', webhook: idOnly });
    await as('RetryFunction', () => handlers.retry(sqsEvent(stale, 1)));
    const unknown = JSON.stringify({ id: 'no-such-webhook', queueToken: 'x' });
    const dropped = await as('RetryFunction', () => handlers.retry(sqsEvent(unknown, 1)));
    expect(dropped.batchItemFailures).toEqual([]);
  });

  it('sweep: an abandoned attempt, a lost message, an unsent retry, a lost stream record', async () => {
    const abandoned = paymentWebhook();
    await pastStore(10).ledger.create(abandoned);
    await pastStore(10).ledger.claim(abandoned.id, {
      from: 'received',
      leaseSeconds: 30,
      trigger: 'stream',
    });
    const lost = paymentWebhook();
    await failedWebhook(lost, 'lost', 10);
    await pastStore(10).ledger.markEnqueued(lost.id, 'lost');
    const unsent = paymentWebhook();
    await failedWebhook(unsent, 'unsent', 10);
    const received = paymentWebhook({
      receivedAt: new Date(Date.now() - 10 * MINUTE).toISOString(),
    });
    await storage.store().ledger.create(received);

    const report = await as('SweepFunction', () => handlers.sweep({} as ScheduledEvent));
    expect(report).toMatchObject({
      abandoned: expect.arrayContaining([abandoned.id]),
      lostMessages: expect.arrayContaining([lost.id]),
      unsent: expect.arrayContaining([unsent.id]),
      lostStreamRecords: expect.arrayContaining([received.id]),
    });
  });

  it.each(['CaptureFunction', 'ProcessFunction', 'RetryFunction', 'SweepFunction'] as const)(
    '%s needs exactly the table permissions the template grants it',
    (key) => {
      const needed = [...(used.get(key) ?? [])].filter((p) => p.startsWith('dynamodb:')).sort();
      expect(
        needed.length,
        `${key} made no DynamoDB call: the paths above did not run`,
      ).toBeGreaterThan(0);
      const granted = tablePermissions(template, key);
      expect(
        needed.filter((p) => !granted.includes(p)),
        'needed but not granted',
      ).toEqual([]);
      expect(
        granted.filter((p) => !needed.includes(p)),
        'granted but never needed',
      ).toEqual([]);
    },
  );
  it.each([
    ['CaptureFunction', ['s3:PutObject on bucket/webhooks/*']],
    ['ProcessFunction', ['s3:GetObject on bucket/webhooks/*']],
    ['RetryFunction', ['s3:GetObject on bucket/webhooks/*']],
    ['SweepFunction', []],
  ] as const)(
    '%s needs exactly the payload bucket permissions the template grants it',
    (key, expected) => {
      const needed = [...(used.get(key) ?? [])].filter((p) => p.startsWith('s3:')).sort();
      // The paths above reached the bucket as each function does: writes from capture only.
      expect(needed).toEqual(expected);
      expect(bucketPermissions(template, key)).toEqual(needed);
    },
  );
});

/** The IAM permission an S3 call needs, named `action on bucket/<first key segment>/*`. */
function s3PermissionFor(commandName: string, input: unknown): string {
  const { Bucket, Key = '' } = input as { Bucket?: string; Key?: string };
  const bucket =
    Bucket === storage.emulator.outputs.PayloadBucketName ? 'bucket' : `other bucket ${Bucket}`;
  const prefix = Key.includes('/') ? `${Key.slice(0, Key.indexOf('/'))}/*` : Key;
  return `s3:${commandName.replace(/Command$/, '')} on ${bucket}/${prefix}`;
}

/** IAM permissions a DynamoDB call needs, named `action on table|table/index/<name>`. */
function permissionsFor(commandName: string, input: unknown): string[] {
  const operation = commandName.replace(/Command$/, '');
  const action = DOCUMENT_CLIENT_NAMES[operation] ?? operation;
  const request = input as {
    TableName?: string;
    IndexName?: string;
    TransactItems?: Array<Record<string, { TableName?: string }>>;
  };
  if (action === 'TransactWriteItems' || action === 'TransactGetItems') {
    // No action of its own: each item needs the permission of its operation.
    return (request.TransactItems ?? []).flatMap((item) =>
      Object.entries(item).map(
        ([kind, part]) => `dynamodb:${TRANSACT_ITEM_ACTIONS[kind] ?? kind} on ${resource(part)}`,
      ),
    );
  }
  return [`dynamodb:${action} on ${resource(request)}`];
}

const DOCUMENT_CLIENT_NAMES: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

function resource(request: { TableName?: string; IndexName?: string }): string {
  const table = request.TableName === tableName ? 'table' : `other table ${request.TableName}`;
  return request.IndexName ? `${table}/index/${request.IndexName}` : table;
}

/**
 * The function's grants of one service (`dynamodb:`, `s3:`) on one resource, from the template:
 * `<action> on <label><suffix>`, where the resource is `resourceType`'s ARN or that ARN joined
 * with a suffix (an index, an object prefix); grants on anything else are left out.
 */
function grantsOn(
  cfn: CfnTemplate,
  key: FunctionKey,
  service: string,
  resourceType: string,
  label: string,
): string[] {
  const [resourceId] = resourcesOfType(cfn, resourceType)[0]!;
  const arn = JSON.stringify({ 'Fn::GetAtt': [resourceId, 'Arn'] });
  const [, fn] = resourcesOfType(cfn, 'AWS::Lambda::Function').find(([id]) => id.startsWith(key))!;
  const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const name = (resource: unknown): string | undefined => {
    if (JSON.stringify(resource) === arn) return label;
    const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join?.[0] === '' && join[1].length === 2 && JSON.stringify(join[1][0]) === arn)
      return `${label}${String(join[1][1])}`;
    return undefined;
  };
  const granted = resourcesOfType(cfn, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      (policy.Properties!.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
    )
    .flatMap(
      ([, policy]) =>
        (policy.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> })
          .Statement,
    )
    .flatMap((statement) =>
      [statement.Action]
        .flat()
        .filter((a): a is string => typeof a === 'string' && a.startsWith(service))
        .flatMap((a) => [statement.Resource].flat().map((r) => ({ a, r: name(r) }))),
    );
  return [
    ...new Set(granted.filter((g) => g.r !== undefined).map((g) => `${g.a} on ${g.r}`)),
  ].sort();
}

/**
 * The function's DynamoDB permissions on the table and its indexes (the stream's and `*` for
 * ListStreams are the stream trigger's, not the code's).
 */
function tablePermissions(cfn: CfnTemplate, key: FunctionKey): string[] {
  return grantsOn(cfn, key, 'dynamodb:', 'AWS::DynamoDB::Table', 'table');
}

/** The function's S3 permissions on the payload bucket and its objects. */
function bucketPermissions(cfn: CfnTemplate, key: FunctionKey): string[] {
  return grantsOn(cfn, key, 's3:', 'AWS::S3::Bucket', 'bucket');
}
