import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import { type RunningEmulator, startEmulator } from '../../emulator/emulator.js';
import { localClientConfig } from '../../emulator/local-aws.js';
import { WebhookStore } from '../../services/webhooks/webhook-store.js';

export interface LocalStorage {
  readonly emulator: RunningEmulator;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  store(options?: { now?: () => Date }): WebhookStore;
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
      new WebhookStore({ client: documentClient, tableName, retentionDays: 7, ...options }),
    async stop() {
      client.destroy();
      await emulator.stop();
    },
  };
}
