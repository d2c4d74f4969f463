#!/bin/sh
# The compose signing proxy, aimed at the API the deployer created: RECEIVER_URL is the stack's
# ApiUrl output (CloudFormation DescribeStacks on LocalStack) unless set.
set -eu

if [ -z "${RECEIVER_URL:-}" ]; then
  RECEIVER_URL="$(npx tsx scripts/stack-outputs.ts --target localstack ApiUrl)"
fi
export RECEIVER_URL
echo "signing-proxy: sending to ${RECEIVER_URL}"
exec npx tsx tools/signing-proxy/server.ts
