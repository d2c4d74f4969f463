import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import { type RunningEmulator, startEmulator } from '../../emulator/emulator.js';
import { localClientConfig } from '../../emulator/local-aws.js';
import { openWebhookTable, type WebhookTable } from '../../services/webhooks/webhook-table.js';

export interface LocalStorage {
  readonly emulator: RunningEmulator;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The table's ledger, projection store and attention index, with an optional clock. */
  store(options?: { now?: () => Date }): WebhookTable;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local and fauxqs with the stack's tables and queues provisioned from the synthesized
 * template, and no functions running: integration tests drive the domain code themselves.
 */
export async function startLocalStorage(): Promise<LocalStorage> {
  const emulator = await startEmulator({
    apiPort: 0,
    dynamodbPort: 0,
    sqsPort: 0,
    storageOnly: true,
    logger: pino({ level: 'warn' }),
  });
  const client = new DynamoDBClient(localClientConfig(emulator.endpoints.dynamodb));
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tableName = emulator.outputs.TableName!;
  return {
    emulator,
    documentClient,
    tableName,
    store: (options = {}) =>
      openWebhookTable({ client: documentClient, tableName, retentionDays: 7, ...options }),
    async stop() {
      client.destroy();
      await emulator.stop();
    },
  };
}
