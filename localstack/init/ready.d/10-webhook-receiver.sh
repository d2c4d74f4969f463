#!/bin/bash
# LocalStack READY hook: runs inside the LocalStack container once it serves requests. The
# compose health check waits for it (/_localstack/init/ready), so the deployer starts only then.
# It creates nothing: every resource comes from the CDK stack. It checks that the services the
# stack uses are there, and says plainly when the HTTP API (API Gateway v2) is not.
set -euo pipefail

health="$(curl -fsS http://localhost:4566/_localstack/health)"
missing=()
for service in cloudformation dynamodb dynamodbstreams lambda sqs sns s3 iam sts logs events cloudwatch; do
  if ! grep -Eq "\"${service}\": *\"(available|running)\"" <<<"${health}"; then
    missing+=("${service}")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "webhook-receiver: LocalStack lacks services the stack needs: ${missing[*]}" >&2
  exit 1
fi
if ! grep -Eq '"apigatewayv2": *"(available|running)"' <<<"${health}"; then
  echo "webhook-receiver: no API Gateway v2 (HTTP API) in this LocalStack image; the stack" \
    "deploys but its API is not served. Senders, the signing proxy and the e2e suite use the" \
    "capture function's URL instead (the CaptureFunctionUrl output). See docs/targets.md." >&2
fi
echo "webhook-receiver: LocalStack ready"
