#!/bin/sh
# The compose signing proxy, aimed at the capture function's URL that the deployer created:
# RECEIVER_URL is the stack's CaptureFunctionUrl output (CloudFormation DescribeStacks on
# LocalStack) unless set. The function URL works on the free image, which has no HTTP API;
# with a licensed image, RECEIVER_URL="$(… ApiUrl)" aims it at the HTTP API instead.
set -eu

if [ -z "${RECEIVER_URL:-}" ]; then
  RECEIVER_URL="$(npx tsx scripts/stack-outputs.ts --target localstack CaptureFunctionUrl)"
fi
export RECEIVER_URL
echo "signing-proxy: sending to ${RECEIVER_URL}"
exec npx tsx tools/signing-proxy/server.ts
