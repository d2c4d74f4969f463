import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localClientConfig } from '../../emulator/local-aws.js';
import { readAssembly } from '../../emulator/synthesize.js';
import { type StorageWarmUp, warmStorage } from '../../emulator/warm-up.js';
import { WARM_UP_WEBHOOKS, warmReceiverStorage } from '../../tools/storage-warm-up.js';
import { uniqueStackName } from '../helpers/local-storage.js';

/*
 * The warm-up of DynamoDB Local before ready (emulator/warm-up.ts with the receiver's requests,
 * tools/storage-warm-up.ts), on the run's shared DynamoDB Local: a scratch copy of the webhooks
 * table, the pipeline's requests in it, and nothing left behind, whatever the requests do.
 */
const shared = inject('localAws');
const dynamodb = new DynamoDBClient(localClientConfig(shared.dynamodb));
const streams = new DynamoDBStreamsClient(localClientConfig(shared.dynamodb));
const clients = {
  dynamodb,
  sqs: new SQSClient(localClientConfig(shared.sqs)),
  sns: new SNSClient(localClientConfig(shared.sqs)),
  s3: new S3Client(localClientConfig(shared.sqs)),
};
const { template } = readAssembly(shared.assemblyDir);

afterAll(() => {
  for (const client of [dynamodb, streams, clients.sqs, clients.sns, clients.s3]) client.destroy();
});

function warm(stackName: string, warmUp: StorageWarmUp, limitMs?: number): Promise<void> {
  return warmStorage({
    template,
    clients,
    streams,
    options: {
      stackName,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      apiUrl: 'http://127.0.0.1:1',
      log: pino({ level: 'silent' }),
    },
    warmUp,
    log: pino({ level: 'silent' }),
    ...(limitMs === undefined ? {} : { limitMs }),
  });
}

async function tablesOf(stackName: string): Promise<string[]> {
  const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
  return TableNames.filter((name) => name.startsWith(stackName));
}

describe('warming DynamoDB Local up before ready', () => {
  it("runs the pipeline's requests on a scratch copy of the webhooks table, then drops it", async () => {
    const stackName = uniqueStackName();
    const tableProps = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::DynamoDB::Table',
    )?.Properties as { GlobalSecondaryIndexes: Array<{ IndexName: string }> };
    let seen: { statuses: string[]; indexes: string[]; stream: boolean; scratch: string } = {
      statuses: [],
      indexes: [],
      stream: false,
      scratch: '',
    };
    await warm(stackName, async (scratch) => {
      await warmReceiverStorage(scratch);
      const [table] = scratch.tables;
      const { Table } = await dynamodb.send(
        new DescribeTableCommand({ TableName: table!.tableName }),
      );
      const { Items = [] } = await dynamodb.send(
        new ScanCommand({ TableName: table!.tableName, ConsistentRead: true }),
      );
      seen = {
        scratch: table!.tableName,
        statuses: Items.map((item) => unmarshall(item))
          .filter((item) => typeof item.status === 'string' && item.attempts !== undefined)
          .map((item) => item.status as string),
        indexes: (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? ''),
        stream: Table?.StreamSpecification?.StreamEnabled === true,
      };
    });

    expect(seen.scratch).toMatch(new RegExp(`^${stackName}.*-warm-up$`));
    // Every webhook stored, claimed and finished, as the functions would have done it.
    expect(seen.statuses).toEqual(Array(WARM_UP_WEBHOOKS).fill('completed'));
    expect(seen.indexes).toEqual(tableProps.GlobalSecondaryIndexes.map((index) => index.IndexName));
    expect(seen.stream).toBe(true);
    expect(await tablesOf(stackName)).toEqual([]);
  });

  it('drops the scratch table and carries on when the requests fail', async () => {
    const stackName = uniqueStackName();
    let scratch = '';
    await expect(
      warm(stackName, async ({ tables }) => {
        scratch = tables[0]!.tableName;
        throw new Error('the warm-up went wrong');
      }),
    ).resolves.toBeUndefined();
    expect(scratch).not.toBe('');
    expect(await tablesOf(stackName)).toEqual([]);
  });
});

describe('a warm-up that never ends', () => {
  it('holds the start no longer than its limit', async () => {
    const stackName = uniqueStackName();
    let started = false;
    // Returning at all is the check: the warm-up itself never ends.
    await warm(
      stackName,
      () => {
        started = true;
        return new Promise(() => {});
      },
      300,
    );
    expect(started).toBe(true);
    for (const name of await tablesOf(stackName))
      await dynamodb.send(new DeleteTableCommand({ TableName: name }));
  });
});
