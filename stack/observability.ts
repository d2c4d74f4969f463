import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ERROR_CODE_DIMENSION, METRIC, SERVICE_DIMENSION } from './metrics-schema.js';
import type { Profile } from './profile.js';

export interface ObservabilityProps {
  readonly alarms: Profile['alarms'];
  /** Where the functions' custom metrics go (the settings the stack wrote into them). */
  readonly namespace: string;
  readonly service: string;
  readonly operatorTopic: ITopic;
  readonly capture: IFunction;
  readonly process: IFunction;
  /** The HTTP API in front of capture, when the stack has one. */
  readonly httpApi?: IHttpApi;
  /** Whether capture has a function URL (an ingress of its own, with its own metrics). */
  readonly captureFunctionUrl: boolean;
  readonly failedQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The dead letter queue's alarm, shown beside these. */
  readonly deadLetterAlarm: IAlarm;
}

/**
 * What an operator watches on AWS: a CloudWatch dashboard of the functions' metrics (Embedded
 * Metric Format, stack/metrics-schema.ts) and of the services' own, and four alarms beyond the
 * dead letter queue's, each to the operator topic on ALARM and on OK (docs/operations.md says
 * what each means and what to do). Thresholds are the profile's.
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly iteratorAgeAlarm: Alarm;
  readonly capture5xxAlarm: Alarm;
  readonly deadWebhooksAlarm: Alarm;
  readonly sweeperFindsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { alarms } = props;
    const period = Duration.minutes(alarms.periodMinutes);
    const custom = (metricName: string, statistic: string = Stats.SUM, label?: string) =>
      new Metric({
        namespace: props.namespace,
        metricName,
        dimensionsMap: { [SERVICE_DIMENSION]: props.service },
        statistic,
        period,
        ...(label ? { label } : {}),
      });
    const notify = new SnsAction(props.operatorTopic);
    const alarm = (
      alarmId: string,
      metric: IMetric,
      threshold: number,
      alarmDescription: string,
    ): Alarm => {
      const created = new Alarm(this, alarmId, {
        alarmDescription,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        // Counts are only written when something happens, and a quiet period is not a breach.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      created.addOkAction(notify);
      return created;
    };

    const iteratorAge = props.process.metric('IteratorAge', {
      statistic: Stats.MAXIMUM,
      period,
      label: 'stream iterator age (ms)',
    });
    this.iteratorAgeAlarm = alarm(
      'StreamIteratorAgeAlarm',
      iteratorAge,
      alarms.iteratorAgeSeconds * 1000,
      'The process function is behind on the table stream (IteratorAge): first attempts are delayed. A batch may keep failing (look for record.failed in its logs) or the function is throttled.',
    );

    const capture5xxRate = captureServerErrorRate(props, period);
    this.capture5xxAlarm = alarm(
      'Capture5xxRateAlarm',
      capture5xxRate,
      alarms.capture5xxPercent,
      'Capture answers 5xx to senders: webhooks are not being stored (senders retry). Look for capture.rejected with status 503 in the capture function logs: DynamoDB throttling or an outage, a timeout, or a crash.',
    );

    this.deadWebhooksAlarm = alarm(
      'DeadWebhooksAlarm',
      custom(METRIC.dead),
      alarms.deadWebhooks,
      'Webhooks were marked dead (retries spent, or a permanent failure). Inspect them (npm run webhooks -- list --status dead) and redrive once the cause is fixed.',
    );

    this.sweeperFindsAlarm = alarm(
      'SweeperFindsAlarm',
      custom(METRIC.sweeperFound),
      alarms.sweeperFinds,
      'The sweeper found stuck webhooks and re-enqueued them: an attempt was abandoned (a crash or timeout), a retry message was lost, or a stream record was never processed. Look for sweep.done in the sweep function logs.',
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
    });
    const rejectedByCode = new MathExpression({
      // One line per error code that occurred; a dashboard may search, an alarm may not.
      expression: `SEARCH('{${props.namespace},${SERVICE_DIMENSION},${ERROR_CODE_DIMENSION}} MetricName="${METRIC.rejected}" ${SERVICE_DIMENSION}="${props.service}"', 'Sum', ${period.toSeconds()})`,
      // CloudWatch's dynamic label: each line is named after its error code.
      label: `\${PROP('Dim.${ERROR_CODE_DIMENSION}')}`,
      period,
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Webhook receiver: ${props.service}\nAlarms and what to do: docs/operations.md, "Metrics and alarms on AWS".`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Captured',
        left: [custom(METRIC.received), custom(METRIC.duplicate)],
        width: 8,
      }),
      new GraphWidget({ title: 'Rejected, by error code', left: [rejectedByCode], width: 8 }),
      new GraphWidget({
        title: 'Capture 5xx (% of requests)',
        left: [capture5xxRate],
        leftAnnotations: [{ value: alarms.capture5xxPercent, label: 'alarm' }],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Processed',
        left: [
          custom(METRIC.completed),
          custom(METRIC.ignored),
          custom(METRIC.failed),
          custom(METRIC.dead),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Processing latency, capture to completed (ms)',
        left: [
          custom(METRIC.processingLatency, Stats.p(50), 'p50'),
          custom(METRIC.processingLatency, Stats.p(99), 'p99'),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Stream iterator age (ms)',
        left: [iteratorAge],
        leftAnnotations: [{ value: alarms.iteratorAgeSeconds * 1000, label: 'alarm' }],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queues: messages visible',
        left: [
          props.failedQueue.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: Stats.MAXIMUM,
            label: 'failed queue',
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: Stats.MAXIMUM,
            label: 'dead letter queue',
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Sweeper: stuck webhooks found',
        left: [custom(METRIC.sweeperFound)],
        width: 8,
      }),
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: [
          props.deadLetterAlarm,
          this.deadWebhooksAlarm,
          this.capture5xxAlarm,
          this.iteratorAgeAlarm,
          this.sweeperFindsAlarm,
        ],
        width: 8,
      }),
    );
  }
}

/**
 * The share of capture requests answered 5xx, in percent, over every ingress the stack has:
 * the HTTP API's `5xx` and `Count`, the function URL's `Url5xxCount` and `UrlRequestCount`.
 * These count what the senders saw, including a capture function that crashed or timed out.
 */
function captureServerErrorRate(props: ObservabilityProps, period: Duration): MathExpression {
  const errors: Record<string, IMetric> = {};
  const requests: Record<string, IMetric> = {};
  if (props.httpApi) {
    errors.apiErrors = props.httpApi.metricServerError({ period, statistic: Stats.SUM });
    requests.apiRequests = props.httpApi.metricCount({ period, statistic: Stats.SUM });
  }
  if (props.captureFunctionUrl) {
    errors.urlErrors = props.capture.metric('Url5xxCount', { period, statistic: Stats.SUM });
    requests.urlRequests = props.capture.metric('UrlRequestCount', {
      period,
      statistic: Stats.SUM,
    });
  }
  const sum = (ids: string[]) => ids.map((metricId) => `FILL(${metricId}, 0)`).join(' + ');
  const e = sum(Object.keys(errors));
  const r = sum(Object.keys(requests));
  return new MathExpression({
    expression: `IF((${r}) > 0, 100 * (${e}) / (${r}), 0)`,
    usingMetrics: { ...errors, ...requests },
    label: 'capture 5xx %',
    period,
  });
}
