import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { StackFunctions, type StackFunctionsOptions } from '../../../emulator/functions.js';
import { provision, provisionTables, resolver } from '../../../emulator/provision.js';
import type { StackContext } from '../../../emulator/stack-context.js';
import { type CfnTemplate, TemplateResolutionError } from '../../../emulator/template.js';

/*
 * Start-up runs the functions' first environments while DynamoDB Local boots: provisioning names
 * the tables first and creates them later, and environments started on the early names are kept
 * only if they run exactly what the provisioned stack resolves to.
 */

const TABLE_ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/Stack-Table';
const STREAM_ARN = `${TABLE_ARN}/stream/2026-01-01T00:00:00.000`;

const template = (variables: Record<string, unknown>): CfnTemplate => ({
  Resources: {
    Table: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: { Handler: 'index.handler', Environment: { Variables: variables } },
      Metadata: { 'aws:asset:path': 'asset.fn' },
    },
  },
});

/** A DynamoDB client double: what it was asked, and a table that exists once created. */
function fakeDynamoDb() {
  const calls: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      calls.push(command.constructor.name);
      return { Table: { TableStatus: 'ACTIVE', TableArn: TABLE_ARN, LatestStreamArn: STREAM_ARN } };
    },
  };
  return { client: client as unknown as DynamoDBClient, calls };
}

const unused = {} as SQSClient & SNSClient & S3Client;
const options = {
  stackName: 'Stack',
  region: 'us-east-1',
  accountId: '000000000000',
  apiUrl: 'http://127.0.0.1:0',
  log: pino({ level: 'silent' }),
};

async function provisionedEarly(variables: Record<string, unknown>) {
  const dynamodb = fakeDynamoDb();
  const clients = { dynamodb: dynamodb.client, sqs: unused, sns: unused, s3: unused };
  const tpl = template(variables);
  const resources = await provision(tpl, clients, { ...options, tablesNamedOnly: true });
  const context: StackContext = {
    template: tpl,
    resources,
    resolve: resolver(resources, options),
    region: options.region,
    accountId: options.accountId,
    log: options.log,
  };
  return {
    context,
    calls: dynamodb.calls,
    createTables: () => provisionTables(tpl, clients, options, resources),
  };
}

const assemblyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'early-functions-'));
fs.mkdirSync(path.join(assemblyDir, 'asset.fn'));
fs.writeFileSync(
  path.join(assemblyDir, 'asset.fn', 'index.mjs'),
  'export const handler = async () => process.env.TABLE;',
);
afterAll(() => fs.rmSync(assemblyDir, { recursive: true, force: true }));
const functionOptions: StackFunctionsOptions = {
  assemblyDir,
  endpoints: { dynamodb: 'http://127.0.0.1:1', sqs: 'http://127.0.0.1:2' },
  maxConcurrency: 1,
  logSink: () => {},
};

describe('provisioning with the tables named only', () => {
  it('names a table without asking DynamoDB, and creates it later with its ARNs', async () => {
    const { context, calls, createTables } = await provisionedEarly({});
    expect(context.resources.get('Table')).toEqual({ ref: 'Stack-Table', attributes: {} });
    expect(calls).toEqual([]);

    await createTables();
    expect(calls).toContain('CreateTableCommand');
    expect(context.resources.get('Table')).toEqual({
      ref: 'Stack-Table',
      attributes: { Arn: TABLE_ARN, StreamArn: STREAM_ARN },
    });
  });

  it("resolves a function's Ref to a table early, the same as once it exists", async () => {
    const { context, createTables } = await provisionedEarly({ TABLE: { Ref: 'Table' } });
    const early = StackFunctions.definitions(context, functionOptions);
    expect(early.get('Fn')?.environment.TABLE).toBe('Stack-Table');
    await createTables();
    expect(StackFunctions.definitions(context, functionOptions)).toEqual(early);
  });

  it("cannot resolve a table's attributes early", async () => {
    const { context } = await provisionedEarly({ STREAM: { 'Fn::GetAtt': ['Table', 'Arn'] } });
    expect(() => StackFunctions.definitions(context, functionOptions)).toThrow(
      TemplateResolutionError,
    );
  });
});

describe('functions started early', () => {
  it('are kept only when they run exactly what the provisioned stack resolves to', async () => {
    const { context } = await provisionedEarly({ TABLE: { Ref: 'Table' } });
    const definitions = StackFunctions.definitions(context, functionOptions);
    const functions = await StackFunctions.start(context, functionOptions, definitions);
    try {
      expect(functions.runs(StackFunctions.definitions(context, functionOptions))).toBe(true);
      await expect(functions.all[0]?.invoke({})).resolves.toBe('Stack-Table');

      const fn = definitions.get('Fn')!;
      const otherTable = new Map([
        ['Fn', { ...fn, environment: { ...fn.environment, TABLE: 'Other' } }],
      ]);
      expect(functions.runs(otherTable)).toBe(false);
      expect(functions.runs(new Map())).toBe(false);
    } finally {
      await functions.stop();
    }
  });
});
