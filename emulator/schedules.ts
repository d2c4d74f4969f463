import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { StackFunctions } from './functions.js';
import type { LambdaFunction } from './lambda-runtime.js';
import type { StackContext } from './stack-context.js';

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `rate(5 minutes)` → 300000. Cron expressions are not emulated (undefined). */
export function rateToMs(expression: string): number | undefined {
  const match = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(expression.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/**
 * An EventBridge schedule rule: invokes its target function every period with a Scheduled
 * Event, as EventBridge does (the first run one period after start).
 */
export class ScheduledRule {
  readonly #timer: NodeJS.Timeout;
  readonly #running = new Set<Promise<unknown>>();

  constructor(options: {
    ruleArn: string;
    periodMs: number;
    target: LambdaFunction;
    region: string;
    accountId: string;
    log: Logger;
  }) {
    this.#timer = setInterval(() => {
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: options.accountId,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: options.region,
        resources: [options.ruleArn],
        detail: {},
      };
      const run = options.target.invoke(event).catch((error: Error) => {
        options.log.warn(
          { rule: options.ruleArn, err: error.message },
          'scheduled invocation failed',
        );
      });
      this.#running.add(run);
      run.finally(() => this.#running.delete(run));
    }, options.periodMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#running]);
  }
}

/** The template's EventBridge schedule rules, started; cron and disabled rules are skipped. */
export function startSchedules(context: StackContext, functions: StackFunctions): ScheduledRule[] {
  const rules: ScheduledRule[] = [];
  for (const [logicalId, resource] of Object.entries(context.template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const props = resource.Properties ?? {};
    const periodMs = rateToMs(String(props.ScheduleExpression ?? ''));
    if (periodMs === undefined || props.State === 'DISABLED') {
      context.log.warn(
        { logicalId, schedule: props.ScheduleExpression },
        'rule not emulated; skipped',
      );
      continue;
    }
    for (const target of (props.Targets as Array<{ Arn: unknown }> | undefined) ?? []) {
      rules.push(
        new ScheduledRule({
          ruleArn: context.resources.get(logicalId)!.attributes.Arn!,
          periodMs,
          target: functions.resolved(context.resolve.string(target.Arn)),
          region: context.region,
          accountId: context.accountId,
          log: context.log,
        }),
      );
    }
  }
  return rules;
}
