import { Metrics } from '@aws-lambda-powertools/metrics';
import { getSettings } from './config.js';
import { type Logger, logger } from './logger.js';

export type { Metrics };

/**
 * The process's metrics (Powertools Metrics, CloudWatch Embedded Metric Format): one JSON line on
 * stdout per flush, which CloudWatch Logs turns into metrics on AWS. Locally the line is one more
 * JSON line in the function's output (it has no `level`, so nothing reads it as an error).
 * Powertools' own warnings (a malformed dimension, say) go to the function's logger.
 */
export function createMetrics(
  options: { namespace: string; serviceName: string },
  log: Logger = logger,
): Metrics {
  const warnings = log.child({ component: 'metrics' });
  const say =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...content: unknown[]) =>
      warnings[level]({ event: 'metrics.warning' }, content.map(String).join(' '));
  return new Metrics({
    namespace: options.namespace,
    serviceName: options.serviceName,
    logger: { debug: say('debug'), info: say('info'), warn: say('warn'), error: say('error') },
  });
}

let metrics: Metrics | undefined;

/** The metrics of this process, namespace and service from the settings the stack wrote. */
export function getMetrics(): Metrics {
  const settings = getSettings();
  metrics ??= createMetrics({
    namespace: settings.metricsNamespace,
    serviceName: settings.metricsService,
  });
  return metrics;
}

/**
 * Writes what the invocation recorded, if anything (Powertools warns on an empty flush). Never
 * throws: a metric must not fail a webhook, so a failure to flush is logged instead.
 */
export function flushMetrics(target: Metrics = getMetrics(), log: Logger = logger): void {
  try {
    if (target.hasStoredMetrics()) target.publishStoredMetrics();
  } catch (error) {
    log.error(
      { event: 'metrics.flush_failed', errorMessage: String((error as Error)?.message ?? error) },
      'could not write the metrics',
    );
  }
}

/**
 * A handler that flushes the metrics its invocation recorded when it returns or throws: the
 * handlers are plain functions (no middy), so this stands in for Powertools' `logMetrics`.
 */
export function publishingMetrics<E, C, R>(
  handler: (event: E, context?: C) => Promise<R>,
  target: () => Metrics = getMetrics,
): (event: E, context?: C) => Promise<R> {
  return async (event, context) => {
    try {
      return await handler(event, context);
    } finally {
      flushMetrics(target());
    }
  };
}
