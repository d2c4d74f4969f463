import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CheckpointStore } from './checkpoint-store.js';
import { parseEventPattern } from './event-pattern.js';
import type { StackFunctions } from './functions.js';
import { SqsEventSource } from './sqs-event-source.js';
import type { StackContext } from './stack-context.js';
import { StreamEventSource } from './stream-event-source.js';
import { resourcesOfType } from './template.js';

export type EventSource = SqsEventSource | StreamEventSource;

/**
 * The template's event source mappings, not started: a queue or a table stream, told apart by
 * the resolved source ARN; disabled mappings and other sources are skipped.
 */
export function eventSources(
  context: StackContext,
  functions: StackFunctions,
  clients: { readonly sqs: SQSClient; readonly streams: DynamoDBStreamsClient },
  checkpoints: CheckpointStore,
): EventSource[] {
  const { resolve, log, region } = context;
  const sources: EventSource[] = [];
  for (const [logicalId, resource] of resourcesOfType(
    context.template,
    'AWS::Lambda::EventSourceMapping',
  )) {
    const props = resource.Properties ?? {};
    if (props.Enabled === false) continue;
    const fn = functions.resolved(resolve.string(props.FunctionName));
    const sourceArn = resolve.string(props.EventSourceArn);
    const filters = (
      (props.FilterCriteria as { Filters?: Array<{ Pattern: string }> } | undefined)?.Filters ?? []
    ).map((f) => parseEventPattern(f.Pattern));
    const reportBatchItemFailures = (
      (props.FunctionResponseTypes as string[] | undefined) ?? []
    ).includes('ReportBatchItemFailures');
    const queue = [...context.resources.values()].find(
      (r) => r.attributes.Arn === sourceArn && r.attributes.QueueUrl,
    );
    if (queue) {
      sources.push(
        new SqsEventSource({
          client: clients.sqs,
          queueUrl: queue.attributes.QueueUrl!,
          queueArn: sourceArn,
          fn,
          settings: { batchSize: Number(props.BatchSize ?? 10), filters, reportBatchItemFailures },
          log,
          region,
        }),
      );
    } else if (sourceArn.includes(':table/') && sourceArn.includes('/stream/')) {
      sources.push(
        new StreamEventSource({
          client: clients.streams,
          streamArn: sourceArn,
          fn,
          settings: {
            batchSize: Number(props.BatchSize ?? 100),
            filters,
            maximumRetryAttempts: Number(props.MaximumRetryAttempts ?? -1),
            bisectBatchOnFunctionError: props.BisectBatchOnFunctionError === true,
            reportBatchItemFailures,
            startingPosition: (props.StartingPosition as 'TRIM_HORIZON' | 'LATEST') ?? 'LATEST',
          },
          checkpoints,
          log,
          region,
        }),
      );
    } else {
      log.warn({ logicalId, sourceArn }, 'event source not emulated; skipped');
    }
  }
  return sources;
}
