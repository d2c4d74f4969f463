#!/bin/sh
# The compose deployer: the stack into LocalStack with cdklocal (aws-cdk-local wraps the CDK CLI
# and points it at AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3). Idempotent: a second run updates.
set -eu

echo "deployer: installing dependencies (npm ci)"
# Install scripts are not needed: esbuild ships its binary as an optional dependency.
npm ci --ignore-scripts

echo "deployer: cdklocal bootstrap"
npx cdklocal bootstrap -c profile=local --no-notices

echo "deployer: cdklocal deploy"
npx cdklocal deploy --require-approval never -c profile=local --no-notices \
  --outputs-file cdk.out/localstack-outputs.json

echo "deployer: done; outputs:"
cat cdk.out/localstack-outputs.json
