import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import {
  type CfnResource,
  type CfnTemplate,
  type PhysicalResource,
  physicalName,
  type ResolveContext,
  resolveString,
  resolveValue,
  TemplateResolutionError,
} from './template.js';

export interface ProvisionClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
}

export interface ProvisionOptions {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiUrl: string;
  /** The URL each served function URL (`AWS::Lambda::Url`, by logical id) answers on. */
  readonly functionUrls?: ReadonlyMap<string, string>;
  readonly log: Logger;
}

/**
 * Types the emulator knows it can skip: permissions are not enforced locally, and there are no
 * metrics to alarm on (the DLQ alarm is an AWS backstop; the retry function's own `webhook.dead`
 * notification is emulated).
 */
const NOT_EMULATED = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Lambda::Permission',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::CDK::Metadata',
  'AWS::ApiGatewayV2::Stage',
  'AWS::Logs::LogGroup',
  'AWS::CloudWatch::Alarm',
]);

/**
 * Creates every table, queue and topic of the template in DynamoDB Local and fauxqs, and works
 * out what each Ref and Fn::GetAtt resolves to (functions, event source mappings and routes are
 * wired by the emulator from the result). Idempotent: existing tables (DynamoDB Local on disk)
 * are kept with their data.
 */
export async function provision(
  template: CfnTemplate,
  clients: ProvisionClients,
  options: ProvisionOptions,
): Promise<Map<string, PhysicalResource>> {
  const resources = new Map<string, PhysicalResource>();
  const context: ResolveContext = {
    region: options.region,
    accountId: options.accountId,
    stackName: options.stackName,
    resources,
  };
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${options.region}:${options.accountId}:${resource}`;

  // Resources are created in dependency order: retry each pass until none is left.
  let pending = Object.entries(template.Resources);
  while (pending.length > 0) {
    const deferred: Array<[string, CfnResource]> = [];
    let lastError: unknown;
    for (const [logicalId, resource] of pending) {
      try {
        const physical = await provisionOne(logicalId, resource);
        if (physical) resources.set(logicalId, physical);
      } catch (error) {
        if (!(error instanceof TemplateResolutionError)) throw error;
        deferred.push([logicalId, resource]);
        lastError = error;
      }
    }
    if (deferred.length === pending.length) throw lastError;
    pending = deferred;
  }
  return resources;

  async function provisionOne(
    logicalId: string,
    resource: CfnResource,
  ): Promise<PhysicalResource | undefined> {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return provisionTable(logicalId, props);
      case 'AWS::SQS::Queue':
        return provisionQueue(logicalId, props);
      case 'AWS::SNS::Topic': {
        const name =
          (props.TopicName as string | undefined) ??
          physicalName(options.stackName, logicalId, 256);
        const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: name }));
        return { ref: TopicArn!, attributes: { TopicArn: TopicArn!, TopicName: name } };
      }
      case 'AWS::SNS::Subscription': {
        const protocol = resolveString(props.Protocol, context);
        if (protocol === 'email') {
          // The operator's optional email subscription: the emulator sends no email.
          options.log.debug({ logicalId }, 'email subscription skipped locally');
          return { ref: logicalId, attributes: {} };
        }
        if (protocol !== 'sqs') {
          options.log.warn(
            { logicalId, protocol },
            'SNS subscription protocol not emulated locally',
          );
          return { ref: logicalId, attributes: {} };
        }
        const { SubscriptionArn } = await clients.sns.send(
          new SubscribeCommand({
            TopicArn: resolveString(props.TopicArn, context),
            Protocol: 'sqs',
            Endpoint: resolveString(props.Endpoint, context),
            Attributes: props.RawMessageDelivery
              ? { RawMessageDelivery: String(props.RawMessageDelivery) }
              : undefined,
          }),
        );
        return { ref: SubscriptionArn ?? logicalId, attributes: {} };
      }
      case 'AWS::Lambda::Function': {
        const name =
          (props.FunctionName as string | undefined) ??
          physicalName(options.stackName, logicalId, 64);
        return { ref: name, attributes: { Arn: arn('lambda', `function:${name}`) } };
      }
      case 'AWS::Events::Rule': {
        const name =
          (props.Name as string | undefined) ?? physicalName(options.stackName, logicalId, 64);
        return { ref: name, attributes: { Arn: arn('events', `rule/${name}`) } };
      }
      case 'AWS::ApiGatewayV2::Api':
        return { ref: logicalId, attributes: { ApiEndpoint: options.apiUrl, ApiId: logicalId } };
      case 'AWS::Lambda::Url': {
        const url = options.functionUrls?.get(logicalId);
        const functionArn = resolveString(props.TargetFunctionArn, context);
        // Without a URL (not emulated, see function-url.ts) a FunctionUrl output cannot resolve.
        return {
          ref: functionArn,
          attributes: url
            ? { FunctionUrl: url, FunctionArn: functionArn }
            : { FunctionArn: functionArn },
        };
      }
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Route':
      case 'AWS::Lambda::EventSourceMapping':
        return { ref: logicalId, attributes: {} };
      default:
        if (!NOT_EMULATED.has(resource.Type)) {
          options.log.warn(
            { logicalId, type: resource.Type },
            'resource type not emulated; skipped',
          );
        }
        return { ref: logicalId, attributes: { Arn: arn('local', logicalId) } };
    }
  }

  async function provisionTable(
    logicalId: string,
    props: Record<string, unknown>,
  ): Promise<PhysicalResource> {
    const name =
      (props.TableName as string | undefined) ?? physicalName(options.stackName, logicalId, 255);
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
    if (!created) await addMissingIndexes(name, input);
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
  async function addMissingIndexes(name: string, input: CreateTableCommandInput): Promise<void> {
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
      options.log.info(
        { table: name, index: index.IndexName },
        'index added to the existing table',
      );
    }
  }

  async function provisionQueue(
    logicalId: string,
    props: Record<string, unknown>,
  ): Promise<PhysicalResource> {
    const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
    const name =
      (props.QueueName as string | undefined) ??
      `${physicalName(options.stackName, logicalId, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
    const attributes: Record<string, string> = {};
    for (const key of [
      'VisibilityTimeout',
      'MessageRetentionPeriod',
      'DelaySeconds',
      'MaximumMessageSize',
      'ReceiveMessageWaitTimeSeconds',
    ]) {
      if (props[key] !== undefined) attributes[key] = String(props[key]);
    }
    if (fifo) attributes.FifoQueue = 'true';
    if (props.ContentBasedDeduplication !== undefined)
      attributes.ContentBasedDeduplication = String(props.ContentBasedDeduplication);
    if (props.RedrivePolicy)
      attributes.RedrivePolicy = JSON.stringify(resolveValue(props.RedrivePolicy, context));
    const { QueueUrl } = await clients.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return {
      ref: QueueUrl!,
      attributes: { Arn: Attributes!.QueueArn!, QueueName: name, QueueUrl: QueueUrl! },
    };
  }
}

/** Resolves a template value against what was provisioned. */
export function resolver(
  resources: Map<string, PhysicalResource>,
  options: Omit<ProvisionOptions, 'apiUrl' | 'log'>,
) {
  const context: ResolveContext = { ...options, resources };
  return {
    value: (value: unknown) => resolveValue(value, context),
    string: (value: unknown) => resolveString(value, context),
  };
}
