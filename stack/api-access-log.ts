import { RemovalPolicy } from 'aws-cdk-lib';
import type { CfnStage, HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * Access logs for the API's default stage: one JSON line per request, so a sender's "we got a
 * 5xx" can be matched to a request id without the webhook's body or headers (never logged).
 */
export function addAccessLog(scope: Construct, api: HttpApi, retention: RetentionDays): LogGroup {
  const logGroup = new LogGroup(scope, 'ApiAccessLog', {
    retention,
    // Request metadata only; it need not outlive the stack.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stage = api.defaultStage?.node.defaultChild as CfnStage | undefined;
  if (!stage) throw new Error('The HTTP API has no default stage to log');
  stage.accessLogSettings = {
    destinationArn: logGroup.logGroupArn,
    format: JSON.stringify({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      routeKey: '$context.routeKey',
      path: '$context.path',
      status: '$context.status',
      responseLength: '$context.responseLength',
      integrationStatus: '$context.integrationStatus',
      integrationLatency: '$context.integrationLatency',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
    }),
  };
  return logGroup;
}
