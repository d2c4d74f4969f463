import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { ProvisionScope } from './provision.js';
import { type PhysicalResource, physicalName } from './template.js';

/*
 * AWS::DynamoDB::Table in DynamoDB Local: the table with its key schema, indexes, stream and
 * TTL. Idempotent: a table kept from an earlier run (DynamoDB Local on disk) keeps its data and
 * gets the indexes the template has added since.
 */

/** The table's name: the template's, or one derived from the stack as CloudFormation would. */
export function tableName(
  options: { readonly stackName: string },
  logicalId: string,
  props: Record<string, unknown>,
): string {
  return (props.TableName as string | undefined) ?? physicalName(options.stackName, logicalId, 255);
}

export async function provisionTable(
  scope: ProvisionScope,
  logicalId: string,
  props: Record<string, unknown>,
): Promise<PhysicalResource> {
  const { clients, options, arn } = scope;
  const name = tableName(options, logicalId, props);
  const billing = (props.BillingMode as string | undefined) ?? 'PROVISIONED';
  const throughput =
    billing === 'PROVISIONED' ? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } : undefined;
  const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
  const input: CreateTableCommandInput = {
    TableName: name,
    KeySchema: props.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: props.AttributeDefinitions as AttributeDefinition[],
    BillingMode: billing as 'PROVISIONED' | 'PAY_PER_REQUEST',
    ...(throughput ? { ProvisionedThroughput: throughput } : {}),
    ...(stream?.StreamViewType
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: stream.StreamViewType as 'NEW_IMAGE',
          },
        }
      : {}),
    ...(props.GlobalSecondaryIndexes
      ? {
          GlobalSecondaryIndexes: (
            props.GlobalSecondaryIndexes as Array<Record<string, unknown>>
          ).map((index) => ({
            ...(index as object),
            ...(throughput ? { ProvisionedThroughput: throughput } : {}),
          })) as CreateTableCommandInput['GlobalSecondaryIndexes'],
        }
      : {}),
    ...(props.LocalSecondaryIndexes
      ? {
          LocalSecondaryIndexes:
            props.LocalSecondaryIndexes as CreateTableCommandInput['LocalSecondaryIndexes'],
        }
      : {}),
  };
  let created = false;
  try {
    await clients.dynamodb.send(new CreateTableCommand(input));
    created = true;
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  if (!created) await addMissingIndexes(scope, name, input);
  await waitUntilTableExists(
    { client: clients.dynamodb, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 },
    { TableName: name },
  );
  const ttl = props.TimeToLiveSpecification as
    | { AttributeName?: string; Enabled?: boolean }
    | undefined;
  if (created && ttl?.Enabled && ttl.AttributeName) {
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }));
  options.log.debug(
    { table: name, created },
    created ? 'table created' : 'table kept from the last run',
  );
  return {
    ref: name,
    attributes: {
      Arn: Table?.TableArn ?? arn('dynamodb', `table/${name}`),
      ...(Table?.LatestStreamArn ? { StreamArn: Table.LatestStreamArn } : {}),
    },
  };
}

/** A table kept from an earlier run gets the indexes the template has added since. */
async function addMissingIndexes(
  { clients, options }: ProvisionScope,
  name: string,
  input: CreateTableCommandInput,
): Promise<void> {
  const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: name }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await clients.dynamodb.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    options.log.info({ table: name, index: index.IndexName }, 'index added to the existing table');
  }
}
