import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { provisionBucket } from './provision-bucket.js';
import { provisionQueue } from './provision-queue.js';
import { provisionTable, tableName } from './provision-table.js';
import { provisionSubscription, provisionTopic } from './provision-topic.js';
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
  /** fauxqs's S3, on the SQS endpoint. */
  readonly s3: S3Client;
}

export interface ProvisionOptions {
  readonly stackName: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiUrl: string;
  /** The URL each served function URL (`AWS::Lambda::Url`, by logical id) answers on. */
  readonly functionUrls?: ReadonlyMap<string, string>;
  readonly log: Logger;
  /**
   * Name the tables without creating them, for a DynamoDB Local still starting; provisionTables
   * creates them once it answers. A table's attributes (its ARN, its stream's) are unknown
   * until then.
   */
  readonly tablesNamedOnly?: boolean;
}

/** What a resource type's provisioner works with. */
export interface ProvisionScope {
  readonly clients: ProvisionClients;
  readonly options: ProvisionOptions;
  /** What has been provisioned so far, for resolving this resource's properties. */
  readonly context: ResolveContext;
  /** `arn:aws:<service>:<region>:<account>:<resource>`. */
  arn(service: string, resource: string): string;
}

/** Creates one resource of a type, or works out its name; throws TemplateResolutionError to wait. */
type Provisioner = (
  scope: ProvisionScope,
  logicalId: string,
  props: Record<string, unknown>,
) => Promise<PhysicalResource>;

/** A name derived from the stack, as CloudFormation derives one when the template gives none. */
function named(property: string, service: string, arnPrefix: string): Provisioner {
  return async ({ options, arn }, logicalId, props) => {
    const name =
      (props[property] as string | undefined) ?? physicalName(options.stackName, logicalId, 64);
    return { ref: name, attributes: { Arn: arn(service, `${arnPrefix}${name}`) } };
  };
}

/** Per resource type: what it becomes locally. Storage is created; the rest is named here and wired by the emulator. */
const PROVISIONERS: Readonly<Record<string, Provisioner>> = {
  'AWS::DynamoDB::Table': (scope, logicalId, props) =>
    scope.options.tablesNamedOnly
      ? Promise.resolve({ ref: tableName(scope.options, logicalId, props), attributes: {} })
      : provisionTable(scope, logicalId, props),
  'AWS::SQS::Queue': provisionQueue,
  'AWS::SNS::Topic': provisionTopic,
  'AWS::SNS::Subscription': provisionSubscription,
  'AWS::S3::Bucket': provisionBucket,
  'AWS::Lambda::Function': named('FunctionName', 'lambda', 'function:'),
  'AWS::Events::Rule': named('Name', 'events', 'rule/'),
  'AWS::ApiGatewayV2::Api': async ({ options }, logicalId) => ({
    ref: logicalId,
    attributes: { ApiEndpoint: options.apiUrl, ApiId: logicalId },
  }),
  'AWS::Lambda::Url': async ({ options, context }, logicalId, props) => {
    const url = options.functionUrls?.get(logicalId);
    const functionArn = resolveString(props.TargetFunctionArn, context);
    // Without a URL (not emulated, see function-url.ts) a FunctionUrl output cannot resolve.
    return {
      ref: functionArn,
      attributes: { FunctionArn: functionArn, ...(url ? { FunctionUrl: url } : {}) },
    };
  },
  'AWS::ApiGatewayV2::Integration': async (_scope, logicalId) => ({
    ref: logicalId,
    attributes: {},
  }),
  'AWS::ApiGatewayV2::Route': async (_scope, logicalId) => ({ ref: logicalId, attributes: {} }),
  'AWS::Lambda::EventSourceMapping': async (_scope, logicalId) => ({
    ref: logicalId,
    attributes: {},
  }),
};

/**
 * Types the emulator knows it can skip: permissions are not enforced locally, and there is no
 * CloudWatch to graph or alarm on (the dashboard and alarms are for AWS; the retry function's
 * own `webhook.dead` notification is emulated, and the functions' metric lines are in their
 * output like any other JSON line).
 */
const NOT_EMULATED = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Lambda::Permission',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::S3::BucketPolicy',
  'AWS::CDK::Metadata',
  'AWS::ApiGatewayV2::Stage',
  'AWS::Logs::LogGroup',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
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
  const scope = provisionScope(clients, options, resources);

  // Resources are created in dependency order: retry each pass until none is left.
  let pending = Object.entries(template.Resources);
  while (pending.length > 0) {
    const deferred: Array<[string, CfnResource]> = [];
    let lastError: unknown;
    for (const [logicalId, resource] of pending) {
      try {
        resources.set(logicalId, await provisionOne(scope, logicalId, resource));
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
}

/**
 * Creates the tables that `provision` with `tablesNamedOnly` only named, and records what they
 * resolve to in `resources` (the map it returned).
 */
export async function provisionTables(
  template: CfnTemplate,
  clients: ProvisionClients,
  options: ProvisionOptions,
  resources: Map<string, PhysicalResource>,
): Promise<void> {
  const scope = provisionScope(clients, { ...options, tablesNamedOnly: false }, resources);
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    resources.set(logicalId, await provisionTable(scope, logicalId, resource.Properties ?? {}));
  }
}

/**
 * Copies of the template's tables named `<name>-warm-up`: the same key schema, indexes and
 * stream, none of the data (emulator/warm-up.ts). One left by an earlier run is reused.
 */
export async function provisionScratchTables(
  template: CfnTemplate,
  clients: ProvisionClients,
  options: ProvisionOptions,
): Promise<Array<{ logicalId: string; tableName: string }>> {
  const scope = provisionScope(clients, { ...options, tablesNamedOnly: false }, new Map());
  const tables: Array<{ logicalId: string; tableName: string }> = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    // Gone within seconds: no time to live to set.
    const { TimeToLiveSpecification: _ttl, ...props } = resource.Properties ?? {};
    const scratch = `${tableName(options, logicalId, props).slice(0, 240)}-warm-up`;
    await provisionTable(scope, logicalId, { ...props, TableName: scratch });
    tables.push({ logicalId, tableName: scratch });
  }
  return tables;
}

function provisionScope(
  clients: ProvisionClients,
  options: ProvisionOptions,
  resources: Map<string, PhysicalResource>,
): ProvisionScope {
  return {
    clients,
    options,
    context: {
      region: options.region,
      accountId: options.accountId,
      stackName: options.stackName,
      resources,
    },
    arn: (service, resource) =>
      `arn:aws:${service}:${options.region}:${options.accountId}:${resource}`,
  };
}

function provisionOne(
  scope: ProvisionScope,
  logicalId: string,
  resource: CfnResource,
): Promise<PhysicalResource> {
  const provisioner = PROVISIONERS[resource.Type];
  if (provisioner) return provisioner(scope, logicalId, resource.Properties ?? {});
  if (!NOT_EMULATED.has(resource.Type)) {
    scope.options.log.warn(
      { logicalId, type: resource.Type },
      'resource type not emulated; skipped',
    );
  }
  return Promise.resolve({ ref: logicalId, attributes: { Arn: scope.arn('local', logicalId) } });
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
