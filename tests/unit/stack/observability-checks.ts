import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSettings } from '../../../services/shared/config.js';
import { DEFAULT_METRICS_NAMESPACE, METRIC } from '../../../stack/metrics-schema.js';
import { type ProfileName, resolveProfile } from '../../../stack/profile.js';
import { STACK_NAME } from '../../../stack/webhook-stack.js';

/*
 * The dashboard and the alarms beyond the dead letter queue's (stack/observability.ts): each
 * alarm's metric, threshold and actions, and the functions writing their metrics where the
 * alarms read them. Registered by webhook-stack.test.ts on the templates it synthesizes (a
 * synthesis is most of a stack test's time); the dead letter queue's alarm is tested in
 * aws-readiness.test.ts.
 */

/** `aws` (the HTTP API alone) and `local` (both ingresses), as webhook-stack.test.ts has them. */
export interface ProfileTemplates {
  readonly aws: Template;
  readonly local: Template;
}

type Variant = keyof ProfileTemplates | 'function-url';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

function idOf(templ: Template, type: string, prefix: string): string {
  const ids = Object.keys(templ.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, prefix).toHaveLength(1);
  return ids[0]!;
}

function alarm(templ: Template, name: string): Record<string, unknown> {
  const id = idOf(templ, 'AWS::CloudWatch::Alarm', `Observability${name}`);
  return (templ.toJSON().Resources[id] as Resource).Properties;
}

const topicRef = (templ: Template) => ({ Ref: idOf(templ, 'AWS::SNS::Topic', 'OperatorTopic') });
const fnRef = (templ: Template, prefix: string) => ({
  Ref: idOf(templ, 'AWS::Lambda::Function', prefix),
});

/** The dashboard body with its references written out, so it can be searched as text. */
function dashboardBody(templ: Template): string {
  const id = idOf(templ, 'AWS::CloudWatch::Dashboard', 'ObservabilityDashboard');
  const body = (templ.toJSON().Resources[id] as Resource).Properties.DashboardBody as {
    'Fn::Join': [string, unknown[]];
  };
  return body['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : `<<${JSON.stringify(part)}>>`))
    .join('');
}

export function observabilityChecks(
  profileTemplates: () => ProfileTemplates,
  synth: (profile: ProfileName, env: Record<string, string>) => Template,
  synthTimeoutMs: number,
): void {
  let functionUrlOnly: Template;
  beforeAll(() => {
    functionUrlOnly = synth('local', { STACK_INGRESS: 'function-url' });
  }, synthTimeoutMs);
  const template = (variant: Variant): Template =>
    variant === 'function-url' ? functionUrlOnly : profileTemplates()[variant];

  describe.each(['aws', 'local'] as const)('the %s profile', (name) => {
    const templ = () => template(name);
    const profile = resolveProfile(name, {});
    const period = profile.alarms.periodMinutes * 60;
    const custom = (metricName: string) => ({
      Namespace: DEFAULT_METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: STACK_NAME }],
      Statistic: 'Sum',
      Period: period,
    });

    it('has five alarms, each to the operator topic on ALARM and on OK, none on missing data', () => {
      const alarms = Object.values(templ().findResources('AWS::CloudWatch::Alarm'));
      expect(alarms).toHaveLength(5);
      for (const { Properties } of alarms) {
        expect(Properties).toMatchObject({
          AlarmActions: [topicRef(templ())],
          OKActions: [topicRef(templ())],
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        });
        expect(typeof Properties.AlarmDescription).toBe('string');
      }
    });

    it("alarms on the process function's stream iterator age", () => {
      expect(alarm(templ(), 'StreamIteratorAgeAlarm')).toMatchObject({
        Threshold: profile.alarms.iteratorAgeSeconds * 1000,
        Metrics: [
          {
            MetricStat: {
              Metric: {
                Namespace: 'AWS/Lambda',
                MetricName: 'IteratorAge',
                Dimensions: [{ Name: 'FunctionName', Value: fnRef(templ(), 'ProcessFunction') }],
              },
              Stat: 'Maximum',
              Period: period,
            },
            ReturnData: true,
          },
        ],
      });
    });

    it('alarms on dead webhooks, the metric the processing functions write', () => {
      expect(alarm(templ(), 'DeadWebhooksAlarm')).toMatchObject({
        ...custom(METRIC.dead),
        Threshold: profile.alarms.deadWebhooks,
      });
    });

    it('alarms on what the sweeper finds, the metric the sweep function writes', () => {
      expect(alarm(templ(), 'SweeperFindsAlarm')).toMatchObject({
        ...custom(METRIC.sweeperFound),
        Threshold: profile.alarms.sweeperFinds,
      });
    });

    it('alarms on the share of capture requests answered 5xx', () => {
      const props = alarm(templ(), 'Capture5xxRateAlarm');
      expect(props.Threshold).toBe(profile.alarms.capture5xxPercent);
      const metrics = props.Metrics as Array<Record<string, unknown>>;
      expect(metrics.filter((m) => m.ReturnData !== false)).toHaveLength(1);
      expect(metrics.find((m) => m.ReturnData !== false)?.Expression).toMatch(
        /^IF\(.* > 0, 100 \*/,
      );
    });

    it('writes every function the namespace and service the alarms and the dashboard read', () => {
      const functions = Object.values(templ().findResources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(4);
      for (const fn of functions) {
        const variables = fn.Properties.Environment.Variables as Record<string, string>;
        const settings = readSettings(variables);
        expect(settings.metricsNamespace).toBe(DEFAULT_METRICS_NAMESPACE);
        expect(settings.metricsService).toBe(STACK_NAME);
      }
    });

    it('has a dashboard of every metric the functions write, the AWS ones, and the alarms', () => {
      templ().resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      const body = dashboardBody(templ());
      for (const metricName of Object.values(METRIC)) {
        if (metricName === METRIC.rejected) continue;
        expect(body).toContain(
          `["${DEFAULT_METRICS_NAMESPACE}","${metricName}","service","${STACK_NAME}"`,
        );
      }
      // Rejections by error code: a search, since the codes are known only once they occur.
      expect(body).toContain(
        `SEARCH('{${DEFAULT_METRICS_NAMESPACE},service,errorCode} MetricName=\\"${METRIC.rejected}\\"`,
      );
      expect(body).toContain('"stat":"p50"');
      expect(body).toContain('"stat":"p99"');
      expect(body).toContain(`["AWS/Lambda","IteratorAge","FunctionName","<<`);
      expect(body.match(/"AWS\/SQS","ApproximateNumberOfMessagesVisible"/g)).toHaveLength(2);
      const alarmIds = Object.keys(templ().findResources('AWS::CloudWatch::Alarm'));
      expect(alarmIds).toHaveLength(5);
      for (const id of alarmIds)
        expect(body).toContain(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
    });

    it('names the dashboard in the outputs', () => {
      const id = idOf(templ(), 'AWS::CloudWatch::Dashboard', 'ObservabilityDashboard');
      expect(templ().toJSON().Outputs.DashboardName.Value).toEqual({ Ref: id });
    });
  });

  describe('the capture 5xx rate', () => {
    /** The metrics the rate is computed from, by id, as namespace/name. */
    function inputs(variant: Variant): Record<string, string> {
      const metrics = alarm(template(variant), 'Capture5xxRateAlarm').Metrics as Array<{
        Id: string;
        MetricStat?: { Metric: { Namespace: string; MetricName: string } };
      }>;
      return Object.fromEntries(
        metrics
          .filter((m) => m.MetricStat)
          .map((m) => [
            m.Id,
            `${m.MetricStat!.Metric.Namespace}/${m.MetricStat!.Metric.MetricName}`,
          ]),
      );
    }

    it('counts the HTTP API where it is the only ingress', () => {
      expect(inputs('aws')).toEqual({
        apiErrors: 'AWS/ApiGateway/5xx',
        apiRequests: 'AWS/ApiGateway/Count',
      });
    });

    it("counts the capture function's URL where it is the only ingress", () => {
      expect(inputs('function-url')).toEqual({
        urlErrors: 'AWS/Lambda/Url5xxCount',
        urlRequests: 'AWS/Lambda/UrlRequestCount',
      });
    });

    it('adds both up where there are both', () => {
      expect(Object.keys(inputs('local')).sort()).toEqual([
        'apiErrors',
        'apiRequests',
        'urlErrors',
        'urlRequests',
      ]);
      const expression = (
        alarm(template('local'), 'Capture5xxRateAlarm').Metrics as Array<{ Expression?: string }>
      ).find((m) => m.Expression)!.Expression;
      expect(expression).toBe(
        'IF((FILL(apiRequests, 0) + FILL(urlRequests, 0)) > 0, 100 * (FILL(apiErrors, 0) + FILL(urlErrors, 0)) / (FILL(apiRequests, 0) + FILL(urlRequests, 0)), 0)',
      );
    });
  });
}
