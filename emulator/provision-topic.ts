import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import type { ProvisionScope } from './provision.js';
import { type PhysicalResource, physicalName, resolveString } from './template.js';

/* AWS::SNS::Topic and AWS::SNS::Subscription in fauxqs (SQS subscriptions only). */

export async function provisionTopic(
  { clients, options }: ProvisionScope,
  logicalId: string,
  props: Record<string, unknown>,
): Promise<PhysicalResource> {
  const name =
    (props.TopicName as string | undefined) ?? physicalName(options.stackName, logicalId, 256);
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: name }));
  return { ref: TopicArn!, attributes: { TopicArn: TopicArn!, TopicName: name } };
}

export async function provisionSubscription(
  { clients, options, context }: ProvisionScope,
  logicalId: string,
  props: Record<string, unknown>,
): Promise<PhysicalResource> {
  const protocol = resolveString(props.Protocol, context);
  if (protocol === 'email') {
    // The operator's optional email subscription: the emulator sends no email.
    options.log.debug({ logicalId }, 'email subscription skipped locally');
    return { ref: logicalId, attributes: {} };
  }
  if (protocol !== 'sqs') {
    options.log.warn({ logicalId, protocol }, 'SNS subscription protocol not emulated locally');
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
