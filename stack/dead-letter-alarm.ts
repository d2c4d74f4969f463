import { CfnCondition, CfnParameter, Duration, Fn } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  type CfnSubscription,
  type ITopic,
  Subscription,
  SubscriptionProtocol,
} from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterAlarmProps {
  readonly deadLetterQueue: IQueue;
  readonly operatorTopic: ITopic;
}

/**
 * The backstop behind the retry function's own `webhook.dead` notification: an alarm as soon as
 * any message waits in the dead letter queue (ApproximateNumberOfMessagesVisible ≥ 1), sent to
 * the operator topic, and again when the queue is empty. The operator's email, if given as the
 * `OperatorEmail` parameter at deploy time, is subscribed to that topic; AWS asks the address
 * to confirm before it sends anything.
 */
export class DeadLetterAlarm extends Construct {
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterAlarmProps) {
    super(scope, id);

    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription:
        'Webhooks are waiting in the dead letter queue: inspect them (npm run webhooks -- status <id>) and redrive once the cause is fixed.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // SQS stops sending metrics for a queue that has been idle for hours: that is not a breach.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const notify = new SnsAction(props.operatorTopic);
    this.alarm.addAlarmAction(notify);
    this.alarm.addOkAction(notify);

    const email = new CfnParameter(scope, 'OperatorEmail', {
      type: 'String',
      default: '',
      description:
        'Optional: an email address subscribed to the operator topic (dead webhooks, DLQ alarm).',
      allowedPattern: '^$|^[^@\\s]+@[^@\\s]+$',
      constraintDescription: 'must be empty or an email address',
    });
    const hasEmail = new CfnCondition(this, 'HasOperatorEmail', {
      expression: Fn.conditionNot(Fn.conditionEquals(email.valueAsString, '')),
    });
    const subscription = new Subscription(this, 'OperatorEmailSubscription', {
      topic: props.operatorTopic,
      protocol: SubscriptionProtocol.EMAIL,
      endpoint: email.valueAsString,
    });
    (subscription.node.defaultChild as CfnSubscription).cfnOptions.condition = hasEmail;
  }
}
