import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localClientConfig } from '../../emulator/local-aws.js';
import { createFailedQueue, type FailedQueue } from '../../services/webhooks/failed-queue.js';
import { createS3PayloadStore } from '../../services/webhooks/s3-payload-store.js';
import type { PayloadStore } from '../../services/webhooks/webhook-body.js';
import { openWebhookTable, type WebhookTable } from '../../services/webhooks/webhook-table.js';
import { type Profile, resolveProfile } from '../../stack/profile.js';
import type { ScannableTable } from './webhook-scan.js';

export type TargetName = 'embedded' | 'localstack' | 'aws';

/** A deployed (or emulated) stack, reached through its outputs with the caller's credentials. */
export interface Target {
  readonly name: TargetName;
  readonly outputs: Readonly<Record<string, string>>;
  readonly table: WebhookTable;
  /** The table itself, for the operator's scans (searching, charts). */
  readonly scannable: ScannableTable;
  /**
   * On a deployed stack, where a Scan is billed by the table's size: scans read only webhooks
   * received in a window (the last hour unless asked otherwise) and at most this many items.
   */
  readonly scanBound?: { readonly defaultWindowMs: number; readonly maxItemsRead: number };
  readonly sqs: SQSClient;
  readonly failedQueue: FailedQueue;
  /** The payload bucket (claim-checked bodies), read-only use: `readWebhookBody`. */
  readonly payloads?: Pick<PayloadStore, 'get'>;
  /** The numbers the stack was deployed with (sweeper thresholds, retention). */
  readonly profile: Profile;
  close(): void;
}

export class TargetUnavailableError extends Error {
  override readonly name = 'TargetUnavailableError';
}

/**
 * embedded: asks `npm start` (its `/_emulator/outputs`); localstack and aws: the stack's
 * outputs (CloudFormation DescribeStacks), as the e2e suite reads them. No name is spelled here.
 */
export async function openTarget(name: TargetName, options: { apiUrl: string }): Promise<Target> {
  if (name === 'embedded') return embeddedTarget(await readEmbedded(options.apiUrl));
  // The CloudFormation client is loaded only for a deployed stack, not on every embedded call.
  const { readStackOutputs, remoteClientConfig, StackNotDeployedError } = await import(
    './stack-outputs.js'
  );
  const config = remoteClientConfig(name);
  try {
    const outputs = await readStackOutputs(name);
    return build(name, outputs, {
      dynamodb: config,
      sqs: config,
      s3: { ...config, forcePathStyle: name === 'localstack' },
    });
  } catch (error) {
    if (error instanceof StackNotDeployedError) throw new TargetUnavailableError(error.message);
    throw error;
  }
}

/** The embedded stack from its outputs and endpoints (what `/_emulator/outputs` answers). */
export function embeddedTarget(info: {
  outputs: Record<string, string>;
  endpoints: { dynamodb: string; sqs: string };
}): Target {
  return build('embedded', info.outputs, {
    dynamodb: localClientConfig(info.endpoints.dynamodb),
    sqs: { ...localClientConfig(info.endpoints.sqs), useQueueUrlAsEndpoint: false },
    // fauxqs serves S3 on the SQS port, by path.
    s3: { ...localClientConfig(info.endpoints.sqs), forcePathStyle: true },
  });
}

/** How much a search or chart may scan on a deployed stack. */
const DEPLOYED_SCAN_BOUND = { defaultWindowMs: 3_600_000, maxItemsRead: 20_000 } as const;

function build(
  name: TargetName,
  outputs: Record<string, string>,
  config: { dynamodb: object; sqs: object; s3: object },
): Target {
  for (const key of ['TableName', 'FailedQueueUrl', 'DeadLetterQueueUrl']) {
    if (!outputs[key]) throw new TargetUnavailableError(`The stack has no ${key} output.`);
  }
  const profile = resolveProfile(name === 'aws' ? 'aws' : 'local', {});
  const dynamodb = new DynamoDBClient(config.dynamodb);
  const sqs = new SQSClient(config.sqs);
  const client = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  // A stack from before the claim check has no bucket: its bodies are all inline.
  const s3 = outputs.PayloadBucketName ? new S3Client(config.s3) : undefined;
  return {
    name,
    outputs,
    table: openWebhookTable({
      client,
      tableName: outputs.TableName!,
      retentionDays: profile.retentionDays,
    }),
    scannable: { client, tableName: outputs.TableName! },
    ...(name === 'embedded' ? {} : { scanBound: DEPLOYED_SCAN_BOUND }),
    sqs,
    failedQueue: createFailedQueue(sqs, outputs.FailedQueueUrl!),
    ...(s3 ? { payloads: createS3PayloadStore(s3, outputs.PayloadBucketName!) } : {}),
    profile,
    close() {
      dynamodb.destroy();
      sqs.destroy();
      s3?.destroy();
    },
  };
}

async function readEmbedded(apiUrl: string) {
  try {
    const response = await fetch(`${apiUrl}/_emulator/outputs`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as {
      outputs: Record<string, string>;
      endpoints: { dynamodb: string; sqs: string };
    };
  } catch (error) {
    throw new TargetUnavailableError(
      `The local stack does not answer at ${apiUrl} (${(error as Error).message}). Is \`npm start\` running? Set API_PORT if it uses another port.`,
    );
  }
}
