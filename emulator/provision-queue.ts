import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { ProvisionScope } from './provision.js';
import { type PhysicalResource, physicalName, resolveValue } from './template.js';

/*
 * AWS::SQS::Queue in fauxqs: the queue with its attributes (visibility timeout, retention,
 * FIFO, the redrive policy that moves messages to a DLQ).
 */

export async function provisionQueue(
  { clients, options, context }: ProvisionScope,
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
