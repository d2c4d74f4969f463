import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
} from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import {
  FilterCriteria,
  FilterRule,
  FunctionUrlAuthType,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PAYLOAD_KEY_PREFIX } from '../services/webhooks/webhook-body.js';
import { addAccessLog } from './api-access-log.js';
import { DeadLetterAlarm } from './dead-letter-alarm.js';
import { functionEnvironment } from './function-settings.js';
import { DEFAULT_METRICS_NAMESPACE } from './metrics-schema.js';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';
import { Observability } from './observability.js';
import { MAX_RECEIVE_COUNT, type Profile } from './profile.js';
import { provideProviderSecrets } from './provider-secrets.js';
import {
  ATTENTION_INDEX,
  PARTITION_KEY,
  SORT_KEY,
  TTL_ATTRIBUTE,
  WEBHOOK_SORT_KEY,
} from './table-schema.js';
import { WebhookFunction } from './webhook-function.js';
import { WEBHOOK_METHOD, WEBHOOK_ROUTE } from './webhook-route.js';

export { MAX_RECEIVE_COUNT } from './profile.js';
export { STACK_NAME } from './stack-name.js';
export { WEBHOOK_ROUTE } from './webhook-route.js';

/**
 * The table actions of the retry and sweep functions: every ledger call they make is a
 * GetItem or a conditional UpdateItem on the table (no Put, Delete, Scan, batch or
 * transaction). The sweeper also queries the attention index; the process function only
 * updates.
 */
const PROCESSING_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

export interface WebhookStackProps extends StackProps {
  readonly profile: Profile;
}

/**
 * The single source of truth: the embedded emulator, LocalStack (cdklocal) and AWS (cdk deploy)
 * all run this stack.
 */
export class WebhookStack extends Stack {
  constructor(scope: Construct, id: string, props: WebhookStackProps) {
    super(scope, id, props);
    const { profile } = props;
    const removalPolicy = profile.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const processTimeout = Duration.seconds(profile.processTimeoutSeconds);

    const table = new Table(this, 'WebhooksTable', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: profile.name === 'aws' },
      removalPolicy,
    });
    // Sparse: only STATUS items that need attention (not completed) carry these keys.
    table.addGlobalSecondaryIndex({
      indexName: ATTENTION_INDEX.name,
      partitionKey: { name: ATTENTION_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ATTENTION_INDEX.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    const deadLetterQueue = new Queue(this, 'DeadWebhooksQueue', {
      retentionPeriod: Duration.days(profile.deadLetterRetentionDays),
      // Dead webhooks wait here for a redrive; deleting the stack must not drop them on AWS.
      removalPolicy,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const failedQueue = new Queue(this, 'FailedWebhooksQueue', {
      visibilityTimeout: Duration.seconds(profile.failedQueueVisibilityTimeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const operatorTopic = new Topic(this, 'OperatorTopic', {
      displayName: 'Webhook receiver: operator notifications',
      enforceSSL: true,
    });

    // The claim check: bodies over the profile's inline threshold, written by capture before
    // the table transaction (services/webhooks/webhook-body.ts). Objects live as long as the
    // webhook items (the retention), then the lifecycle rule removes them, orphans included (an
    // object whose table write failed; the sender's retry writes the same key).
    const payloadBucket = new Bucket(this, 'PayloadBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [
        { prefix: PAYLOAD_KEY_PREFIX, expiration: Duration.days(profile.retentionDays) },
      ],
      removalPolicy,
    });
    const payloadObjects = payloadBucket.arnForObjects(`${PAYLOAD_KEY_PREFIX}*`);

    // Each stack's metrics carry its own name as their `service` dimension, so two stacks in
    // one account and region (staging and production, say) do not add up on one dashboard.
    const metrics = { namespace: DEFAULT_METRICS_NAMESPACE, service: this.stackName };

    // What each function reads, written through the settings contract (function-settings.ts).
    const common = {
      tableName: table.tableName,
      payloadBucket: payloadBucket.bucketName,
      retentionDays: profile.retentionDays,
      logLevel: profile.logLevel,
      faultInjection: profile.faultInjection,
      metricsNamespace: metrics.namespace,
      metricsService: metrics.service,
    };
    const processing = {
      ...common,
      failedQueueUrl: failedQueue.queueUrl,
      operatorTopicArn: operatorTopic.topicArn,
      leaseSeconds: profile.leaseSeconds,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      retryBackoffFirstSeconds: profile.retryBackoff.firstSeconds,
      retryBackoffFactor: profile.retryBackoff.factor,
    };

    const capture = new WebhookFunction(this, 'CaptureFunction', {
      handler: 'capture',
      description: 'Verifies and stores incoming webhooks',
      timeout: Duration.seconds(profile.captureTimeoutSeconds),
      // Bounds what an unsigned flood can run (and cost); the rest of the account keeps its share.
      ...(profile.flood
        ? { reservedConcurrentExecutions: profile.flood.captureReservedConcurrency }
        : {}),
      environment: functionEnvironment({
        ...common,
        maxPayloadBytes: profile.maxPayloadBytes,
        payloadInlineMaxBytes: profile.payloadInlineMaxBytes,
      }),
    });
    // Capture puts the two items of a new webhook (one TransactWriteItems of two Puts) and, for
    // a copy whose body differs from the stored one, counts the conflict on its STATUS item
    // (an UpdateItem that changes nothing else). It never reads: a duplicate's cancellation
    // carries the stored copy.
    grantTableActions(capture, table.tableArn, ['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    provideProviderSecrets(capture, profile);
    // Capture only writes bodies, under the payload prefix; processing only reads them.
    Grant.addToPrincipal({
      grantee: capture,
      actions: ['s3:PutObject'],
      resourceArns: [payloadObjects],
    });

    const processFn = new WebhookFunction(this, 'ProcessFunction', {
      handler: 'process',
      description: 'First processing attempt, from the table stream',
      timeout: processTimeout,
      environment: functionEnvironment({
        ...processing,
        streamRecordConcurrency: profile.streamRecordConcurrency,
      }),
    });
    // Conditionally updates items, nothing else (services/webhooks/dynamodb-webhook-ledger.ts, projection-store.ts): claim
    // (from received it reads nothing: a failed condition returns the item), finish,
    // markEnqueued and the processors' applyProjection. The stream trigger adds its own stream
    // read permissions.
    grantTableActions(processFn, table.tableArn, ['dynamodb:UpdateItem']);
    grantPayloadReads(processFn, payloadObjects);
    // A failed first attempt is queued for retry; a permanent failure is dead at once and
    // notifies the operator (services/webhooks/process-webhook.ts).
    failedQueue.grantSendMessages(processFn);
    operatorTopic.grantPublish(processFn);
    processFn.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        retryAttempts: profile.streamRetryAttempts,
        reportBatchItemFailures: true,
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { [SORT_KEY]: { S: FilterRule.isEqual(WEBHOOK_SORT_KEY) } } },
          }),
        ],
      }),
    );

    const retryFn = new WebhookFunction(this, 'RetryFunction', {
      handler: 'retry',
      description: 'Retries failed webhooks from the failed queue; marks the last failure dead',
      timeout: processTimeout,
      environment: functionEnvironment(processing),
    });
    // The same calls as the process function, and two reads (GetItem): claim from failed reads
    // the status first, and getWebhook a message that carries only the webhook's id.
    grantTableActions(retryFn, table.tableArn, PROCESSING_TABLE_ACTIONS);
    grantPayloadReads(retryFn, payloadObjects);
    // A failed retry stays on the queue (SQS redelivers it; its event source deletes the rest),
    // so it sends nothing; the last failure notifies the operator.
    operatorTopic.grantPublish(retryFn);
    retryFn.addEventSource(
      new SqsEventSource(failedQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    const sweepFn = new WebhookFunction(this, 'SweepFunction', {
      handler: 'sweep',
      description: 'Re-enqueues webhooks stuck past their lease, lost from the queue or the stream',
      timeout: processTimeout,
      environment: functionEnvironment({
        ...processing,
        sweepProcessingGraceSeconds: profile.sweep.processingGraceSeconds,
        sweepFailedAfterSeconds: profile.sweep.failedAfterSeconds,
        sweepReceivedAfterSeconds: profile.sweep.receivedAfterSeconds,
      }),
    });
    // listAttention queries the attention index, and only that index; requeue and markEnqueued
    // update, getWebhook reads (services/webhooks/sweep-webhooks.ts).
    grantTableActions(sweepFn, table.tableArn, PROCESSING_TABLE_ACTIONS);
    grantTableActions(sweepFn, `${table.tableArn}/index/${ATTENTION_INDEX.name}`, [
      'dynamodb:Query',
    ]);
    failedQueue.grantSendMessages(sweepFn);
    new Rule(this, 'SweepSchedule', {
      description: 'Runs the sweeper',
      schedule: Schedule.rate(Duration.minutes(profile.sweep.everyMinutes)),
      targets: [new LambdaFunction(sweepFn, { retryAttempts: 0 })],
    });

    let httpApi: HttpApi | undefined;
    if (profile.ingress !== 'function-url') {
      const api = new HttpApi(this, 'HttpApi', { description: 'Webhook ingress' });
      api.addRoutes({
        path: WEBHOOK_ROUTE,
        methods: [HttpMethod[WEBHOOK_METHOD]],
        integration: new HttpLambdaIntegration('CaptureIntegration', capture),
      });
      addAccessLog(this, api, accessLogRetention(profile.accessLogRetentionDays));
      if (profile.flood) {
        // Route throttling on the default stage: past it API Gateway answers 429 before any
        // function runs, and the senders retry (docs/capacity.md: values and what they cost).
        const stage = api.defaultStage?.node.defaultChild as CfnStage;
        // RouteSettings is a JSON map in CloudFormation: its keys are written as CloudFormation spells them.
        stage.routeSettings = {
          [`${WEBHOOK_METHOD} ${WEBHOOK_ROUTE}`]: {
            ThrottlingRateLimit: profile.flood.routeRateLimit,
            ThrottlingBurstLimit: profile.flood.routeBurstLimit,
          },
        };
      }
      new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
      httpApi = api;
    }
    if (profile.ingress !== 'http-api') {
      // No IAM auth: senders cannot sign AWS requests; the provider's signature, checked by the
      // capture function before it stores anything, is the authentication, as behind the HTTP
      // API. The function routes on the raw path itself (services/handlers/capture.ts). A
      // function URL has no throttle: the capture function's reserved concurrency is the flood
      // guard (docs/deploy.md).
      const functionUrl = capture.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
      new CfnOutput(this, 'CaptureFunctionUrl', { value: functionUrl.url });
    }

    const deadLetterAlarm = new DeadLetterAlarm(this, 'DeadLetterAlarm', {
      deadLetterQueue,
      operatorTopic,
    });
    const observability = new Observability(this, 'Observability', {
      alarms: profile.alarms,
      ...metrics,
      operatorTopic,
      capture,
      process: processFn,
      ...(httpApi ? { httpApi } : {}),
      captureFunctionUrl: profile.ingress !== 'http-api',
      failedQueue,
      deadLetterQueue,
      deadLetterAlarm: deadLetterAlarm.alarm,
    });

    // The e2e suite can also invoke the capture function directly (E2E_INGRESS=invoke).
    new CfnOutput(this, 'CaptureFunctionName', { value: capture.functionName });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'PayloadBucketName', { value: payloadBucket.bucketName });
    new CfnOutput(this, 'FailedQueueUrl', { value: failedQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: deadLetterQueue.queueUrl });
    new CfnOutput(this, 'OperatorTopicArn', { value: operatorTopic.topicArn });
    new CfnOutput(this, 'DeadLetterAlarmName', { value: deadLetterAlarm.alarm.alarmName });
    new CfnOutput(this, 'DashboardName', { value: observability.dashboard.dashboardName });

    // Last, so it sees every resource above.
    acknowledgeNagFindings(this, profile.name);
  }
}

/** CloudWatch Logs takes only some retention periods; the profile names one of them. */
function accessLogRetention(days: number): RetentionDays {
  const retention = Object.values(RetentionDays).find((value) => value === days);
  if (retention === undefined) {
    throw new Error(`CloudWatch Logs cannot keep logs for ${days} days; pick one of its periods.`);
  }
  return retention as RetentionDays;
}

/** Exactly these DynamoDB actions on exactly this table or index ARN; no `index/*`, no `*`. */
/** s3:GetObject on the payload objects, nothing else (no list, no write, no delete). */
function grantPayloadReads(grantee: IGrantable, payloadObjects: string): void {
  Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [payloadObjects] });
}

function grantTableActions(grantee: IGrantable, arn: string, actions: readonly string[]): void {
  Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [arn] });
}
