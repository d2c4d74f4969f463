import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startEmulator } from '../emulator/emulator.js';
import { PROVIDER_REGISTRY } from '../services/providers/registry.js';
import { STACK_NAME } from '../stack/stack-name.js';
import { RECEIVER_PRESENTATION } from '../tools/receiver-presentation.js';
import { startFakeCloudFormation } from '../tools/rehearsal/fake-cloudformation.js';

/*
 * Rehearses the e2e suite's remote path (E2E_TARGET=localstack) without Docker: the embedded
 * emulator plays the deployed stack, and a fake CloudFormation answers DescribeStacks with the
 * emulator's outputs. What runs for real: stack-output discovery through the CloudFormation
 * SDK, the remote TestStack (outputs, SDK clients, target signing, scaled waits) and the
 * suite's target gating. What it cannot show: LocalStack itself (its Lambda, API Gateway,
 * CloudFormation and cdklocal deploy). See docs/targets.md.
 *
 *   npx tsx scripts/rehearse-remote-e2e.ts [vitest args…]   (default: e2e/pipeline.test.ts)
 *   E2E_TARGET=aws npx tsx scripts/rehearse-remote-e2e.ts   the aws target's gating and signing
 *     (SDK default chain, secrets from the environment), still against the emulator.
 *   REHEARSE_WITHOUT_API=1 npx tsx scripts/rehearse-remote-e2e.ts   LocalStack's free image: the
 *     ApiUrl output is the placeholder its CloudFormation leaves for the HTTP API it cannot
 *     create, so the suite (E2E_INGRESS=auto) posts to the capture function's URL (the
 *     CaptureFunctionUrl output, the emulator's function URL); with E2E_INGRESS=invoke it
 *     invokes the function through the Lambda client and the emulator's Lambda Invoke API.
 * The aws target's outputs have no CaptureFunctionUrl unless STACK_INGRESS asks for one, as the
 * aws profile deploys none by default.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const target = process.env.E2E_TARGET === 'aws' ? 'aws' : 'localstack';
const withoutApi = process.env.REHEARSE_WITHOUT_API === '1';
/** What LocalStack 4.x's CloudFormation makes of the ApiUrl output without API Gateway v2. */
const LOCALSTACK_PLACEHOLDER_API_URL =
  'https://unknown.execute-api.localhost.localstack.cloud:4566/';

const emulator = await startEmulator({
  ...RECEIVER_PRESENTATION,
  apiPort: 0,
  functionUrlPort: 0,
  dynamodbPort: 0,
  sqsPort: 0,
  env: { ...process.env, FAULT_INJECTION: '1', LOG_LEVEL: 'warn' },
  logger: pino({ level: 'warn' }),
  functionLogs: () => {},
});
const { CaptureFunctionUrl, ...withoutFunctionUrl } = emulator.outputs;
const awsWithoutUrl =
  target === 'aws' &&
  process.env.STACK_INGRESS !== 'both' &&
  process.env.STACK_INGRESS !== 'function-url';
const outputs = {
  ...withoutFunctionUrl,
  ...(awsWithoutUrl || CaptureFunctionUrl === undefined ? {} : { CaptureFunctionUrl }),
  ...(withoutApi ? { ApiUrl: LOCALSTACK_PLACEHOLDER_API_URL } : {}),
};
const cfn = await startFakeCloudFormation(() => [
  { name: STACK_NAME, status: 'CREATE_COMPLETE', outputs },
]);

const args = process.argv.slice(2);
const child = spawn(
  'npx',
  ['vitest', 'run', ...(args.length > 0 ? args : ['e2e/pipeline.test.ts'])],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      E2E_TARGET: target,
      E2E_TIME_SCALE: process.env.E2E_TIME_SCALE ?? '1',
      // One global endpoint, as in compose; each service here has its own emulator port.
      AWS_ENDPOINT_URL: 'http://localstack.invalid:4566',
      AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: emulator.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: emulator.endpoints.sqs,
      AWS_ENDPOINT_URL_LAMBDA: emulator.endpoints.lambda,
      ...(target === 'aws'
        ? {
            // What an operator's shell would hold; the emulator runs the local profile's secrets.
            AWS_REGION: emulator.endpoints.region,
            AWS_ACCESS_KEY_ID: 'rehearsal',
            AWS_SECRET_ACCESS_KEY: 'rehearsal',
            STRIPE_WEBHOOK_SECRET: PROVIDER_REGISTRY.stripe.secret.localDefault,
            BIGCOMMERCE_CLIENT_SECRET: PROVIDER_REGISTRY.bigcommerce.secret.localDefault,
          }
        : {}),
    },
  },
);
const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await cfn.close();
await emulator.stop();
process.exit(code);
