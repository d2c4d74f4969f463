import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import type { WebhookState } from '../../services/webhooks/webhook.js';
import { openWebhookTable } from '../../services/webhooks/webhook-table.js';
import {
  type RemoteTarget,
  readStackOutputs,
  remoteClientConfig,
} from '../../tools/operator/stack-outputs.js';
import { chooseIngress, type IngressSetting, openIngress } from './ingress.js';
import { scaled, signedHeaders } from './target.js';
import { postTo, type TestStack } from './test-stack.js';

/** Outputs every suite needs; the stack declares them (tests/unit/stack asserts it). */
const REQUIRED_OUTPUTS = ['TableName', 'FailedQueueUrl', 'DeadLetterQueueUrl'] as const;

/**
 * The same TestStack as the embedded one, backed by a deployed stack: LocalStack (cdklocal) or
 * AWS (cdk deploy). The table and queues come from the stack's outputs; webhooks are signed
 * with the target's secrets and go in through the ingress `setting` picks (./ingress.ts): the
 * HTTP API (`ApiUrl`), or, where the target has no API Gateway v2 (LocalStack's free image), the
 * capture function's URL (`CaptureFunctionUrl`), or Lambda Invoke on it (`CaptureFunctionName`). There is no emulator here:
 * `logs` and `notifications` stay empty (on AWS they are in CloudWatch Logs and SNS), and tests
 * that need them run only where they are collected (see `TARGET` in ./target.ts).
 */
export async function startRemoteStack(
  target: RemoteTarget,
  setting: IngressSetting,
): Promise<TestStack> {
  const outputs = await readStackOutputs(target);
  const missing = REQUIRED_OUTPUTS.filter((name) => !outputs[name]);
  if (missing.length > 0) {
    throw new Error(
      `Stack outputs ${missing.join(', ')} are missing on ${target}; it has: ${Object.keys(outputs).join(', ')}. Deploy the current stack again.`,
    );
  }
  const choice = chooseIngress(setting, outputs, {
    target,
    ...(process.env.E2E_API_URL ? { apiUrl: process.env.E2E_API_URL } : {}),
  });
  // Said once per suite: which way this run's webhooks went in.
  pino({ base: { component: 'e2e' } }).info(
    { event: 'e2e.ingress', target, ...choice },
    {
      api: 'webhooks go to the HTTP API',
      'function-url': "webhooks go to the capture function's URL",
      invoke: 'webhooks go to the capture function through Lambda Invoke',
    }[choice.ingress],
  );

  const config = remoteClientConfig(target);
  const dynamodb = new DynamoDBClient({ ...config, maxAttempts: 5 });
  // With an explicit endpoint (LocalStack), send there rather than to the QueueUrl's host.
  const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: target === 'aws' });
  const store = openWebhookTable({
    client: DynamoDBDocumentClient.from(dynamodb),
    tableName: outputs.TableName!,
    retentionDays: 1,
  });

  // Lambda is reached the way the other clients reach their services (remoteClientConfig).
  const ingress = openIngress(choice, { ...config, maxAttempts: 3 });
  const post = postTo(ingress.apiUrl, ingress.fetch);

  return {
    ingress: ingress.ingress,
    apiUrl: ingress.apiUrl,
    fetch: ingress.fetch,
    get emulator(): never {
      throw new Error(`E2E_TARGET=${target} runs no emulator: use the stack's outputs instead.`);
    },
    store,
    logs: [],
    notifications: [],
    post,
    async send(provider, event, extraHeaders = {}) {
      if (provider !== 'stripe' && provider !== 'bigcommerce') {
        throw new Error(`E2E_TARGET=${target} signs only stripe and bigcommerce webhooks`);
      }
      const rawBody = JSON.stringify(event);
      return post(provider, rawBody, { ...signedHeaders(provider, rawBody), ...extraHeaders });
    },
    async waitForState(id, done, timeoutMs = 20_000) {
      const deadline = Date.now() + scaled(timeoutMs);
      let last: WebhookState | undefined;
      while (Date.now() < deadline) {
        last = await store.ledger.getState(id);
        if (last && done(last)) return last;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(
        `Webhook ${id} did not reach the expected state in ${scaled(timeoutMs)} ms on ${target}; last: ${JSON.stringify(last)}`,
      );
    },
    async queueDepth(outputName) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: outputs[outputName],
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
    },
  };
}
