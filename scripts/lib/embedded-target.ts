import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localClientConfig } from '../../emulator/local-aws.js';
import { WebhookStore } from '../../services/webhooks/webhook-store.js';

export interface EmulatorInfo {
  readonly stackName: string;
  readonly outputs: Record<string, string>;
  readonly endpoints: { api: string; dynamodb: string; sqs: string; region: string };
}

export class TargetUnavailableError extends Error {
  override readonly name = 'TargetUnavailableError';
}

/** Asks the running embedded stack (`npm start`) for its outputs and endpoints. */
export async function readEmbeddedTarget(apiUrl: string): Promise<EmulatorInfo> {
  try {
    const response = await fetch(`${apiUrl}/_emulator/outputs`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as EmulatorInfo;
  } catch (error) {
    throw new TargetUnavailableError(
      `The local stack does not answer at ${apiUrl} (${(error as Error).message}). Is \`npm start\` running? Set API_PORT if it uses another port.`,
    );
  }
}

/** A WebhookStore on the embedded stack's table. */
export function embeddedStore(info: EmulatorInfo): { store: WebhookStore; close: () => void } {
  const client = new DynamoDBClient(localClientConfig(info.endpoints.dynamodb));
  const store = new WebhookStore({
    client: DynamoDBDocumentClient.from(client),
    tableName: info.outputs.TableName!,
    retentionDays: 1,
  });
  return { store, close: () => client.destroy() };
}
