import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import { inject } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../emulator/emulator.js';
import { localClientConfig } from '../../emulator/local-aws.js';
import type { Notification } from '../../emulator/notifications.js';
import type { WebhookState } from '../../services/webhooks/webhook.js';
import { openWebhookTable, type WebhookTable } from '../../services/webhooks/webhook-table.js';
import { RECEIVER_PRESENTATION } from '../../tools/receiver-presentation.js';
import { type ProviderName, signedHeaders } from '../../tools/signing-proxy/signed-request.js';
import { chooseIngress, type Ingress, type IngressSetting, openIngress } from './ingress.js';
import { startRemoteStack } from './remote-stack.js';
import { TEST_STACK_ENV } from './stack-env.js';
import { scaled, TARGET } from './target.js';

/** The capture API's answers; which fields are present depends on the status. */
export interface ApiResponse {
  readonly status: number;
  readonly body: { id: string; duplicate?: boolean; error: { code: string; message: string } };
}

export interface TestStack {
  /** How webhooks reach the capture function on this run: the HTTP API, its URL or Lambda Invoke. */
  readonly ingress: Ingress;
  /** The API's or function URL's base URL, or `lambda-invoke://<function>` for the invoke ingress. */
  readonly apiUrl: string;
  /** `fetch` for `${apiUrl}/api/webhooks/{provider}` (give it to the signing proxy too). */
  readonly fetch: typeof fetch;
  readonly emulator: RunningEmulator;
  readonly store: WebhookTable;
  /** Every line the functions wrote, parsed where it is JSON. */
  readonly logs: Array<Record<string, unknown>>;
  /** What the operator's SNS topic delivered (the emulator's local inbox). */
  readonly notifications: Notification[];
  post(provider: string, rawBody: string, headers: Record<string, string>): Promise<ApiResponse>;
  /** Signs the body as the provider would and posts it. */
  send(
    provider: ProviderName,
    event: object,
    extraHeaders?: Record<string, string>,
  ): Promise<ApiResponse>;
  waitForState(
    id: string,
    done: (state: WebhookState) => boolean,
    timeoutMs?: number,
  ): Promise<WebhookState>;
  queueDepth(
    outputName: 'FailedQueueUrl' | 'DeadLetterQueueUrl',
  ): Promise<{ visible: number; inFlight: number }>;
  stop(): Promise<void>;
}

/**
 * The whole stack on this run's target (`E2E_TARGET`, ./target.ts): by default the embedded
 * local AWS, in memory, on free ports, fault injection on; or the stack deployed into LocalStack
 * or AWS, found through its outputs (./remote-stack.ts). Webhooks go in through the ingress
 * `options.ingress`, else `E2E_INGRESS` (./ingress.ts).
 */
export async function startTestStack(
  options: { ingress?: IngressSetting } = {},
): Promise<TestStack> {
  const ingress = options.ingress ?? TARGET.ingress;
  return TARGET.target === 'embedded'
    ? startEmbeddedStack(ingress)
    : startRemoteStack(TARGET.target, ingress);
}

async function startEmbeddedStack(setting: IngressSetting): Promise<TestStack> {
  const logs: Array<Record<string, unknown>> = [];
  const notifications: Notification[] = [];
  // The run's DynamoDB Local, fauxqs and assembly (the test config's global setup), under a
  // stack name of this file's own; without that setup, a DynamoDB Local and fauxqs of its own.
  const shared = inject('localAws');
  const emulator = await startEmulator({
    ...RECEIVER_PRESENTATION,
    onNotification: (notification) => notifications.push(notification),
    apiPort: 0,
    functionUrlPort: 0,
    dynamodbPort: 0,
    sqsPort: 0,
    env: { ...process.env, ...TEST_STACK_ENV },
    ...(shared
      ? {
          storage: shared,
          assemblyDir: shared.assemblyDir,
          stackName: `WebhookTest-${randomUUID().slice(0, 8)}`,
        }
      : {}),
    logger: pino({ level: 'warn' }),
    functionLogs: (fn, _stream, chunk) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        try {
          logs.push(JSON.parse(line));
        } catch {
          logs.push({ fn, raw: line });
        }
      }
    },
  });
  const dynamodb = new DynamoDBClient(localClientConfig(emulator.endpoints.dynamodb));
  const sqs = new SQSClient({
    ...localClientConfig(emulator.endpoints.sqs),
    useQueueUrlAsEndpoint: false,
  });
  const store = openWebhookTable({
    client: DynamoDBDocumentClient.from(dynamodb),
    tableName: emulator.outputs.TableName!,
    retentionDays: 1,
  });
  // The Lambda client, if any, talks to the emulator's own Lambda Invoke API.
  const ingress = openIngress(
    chooseIngress(setting, emulator.outputs, { target: 'embedded' }),
    localClientConfig(emulator.endpoints.lambda),
  );
  const post = postTo(ingress.apiUrl, ingress.fetch);

  return {
    ingress: ingress.ingress,
    apiUrl: ingress.apiUrl,
    fetch: ingress.fetch,
    emulator,
    store,
    logs,
    notifications,
    post,
    send: async (provider, event, extraHeaders = {}) => {
      const rawBody = JSON.stringify(event);
      const headers = await signedHeaders(provider, rawBody);
      return post(provider, rawBody, { ...headers, ...extraHeaders });
    },
    async waitForState(id, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: WebhookState | undefined;
      while (Date.now() < deadline) {
        last = await store.ledger.getState(id);
        if (last && done(last)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `Webhook ${id} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
      );
    },
    async queueDepth(outputName) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: emulator.outputs[outputName],
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
    async stop() {
      ingress.close();
      dynamodb.destroy();
      sqs.destroy();
      await emulator.stop();
    },
  };
}

/**
 * POSTs a raw body to the capture route at `apiUrl`, as a sender would, through `fetchImpl`:
 * the network, or the invoke ingress's fetch (./invoke-ingress.ts), which answers the same way.
 */
export function postTo(apiUrl: string, fetchImpl: typeof fetch = fetch): TestStack['post'] {
  return async (provider, rawBody, headers) => {
    const response = await fetchImpl(`${apiUrl}/api/webhooks/${provider}`, {
      method: 'POST',
      body: rawBody,
      headers,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: response.status, body: body as ApiResponse['body'] };
  };
}

/** Polls `check` until it returns a value; the timeout is scaled for the target. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  unscaledTimeoutMs = 20_000,
): Promise<T> {
  const timeoutMs = scaled(unscaledTimeoutMs);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
