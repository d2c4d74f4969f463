// This machine may run Node.js 20; Lambda runs 22. The SDK's notice about it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { JavaMissingError } from '../emulator/dynamodb-local.js';
import { startEmulator } from '../emulator/emulator.js';
import { type CfnTemplate, resourcesOfType } from '../emulator/template.js';
import type { ProviderDescriptor } from '../services/providers/provider.js';
import { onStopRequest } from '../tools/process/stop-requests.js';
import { RECEIVER_PRESENTATION } from '../tools/receiver-presentation.js';

/*
 * `npm start`: the whole pipeline on this machine, no Docker, no AWS account.
 * API_PORT (3000), DYNAMODB_PORT (8000), SQS_PORT (9324), FUNCTION_URL_PORT (3002),
 * CONSOLE_PORT (3003), DATA_DIR (.data; `memory` for none).
 */
const port = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`${name} must be a port number, got "${process.env[name]}"`);
    process.exit(2);
  }
  return value;
};

// A .env file (see .env.example) sets defaults; the real environment wins.
if (existsSync('.env')) loadEnvKeepingExisting('.env');

const dataDirSetting = process.env.DATA_DIR ?? '.data';
const dataDir = dataDirSetting === 'memory' ? undefined : resolve(dataDirSetting);
const started = Date.now();

/*
 * Every usual way of ending it stops everything within 10 s: Ctrl-C, SIGTERM from a process
 * manager, the terminal closing, npm itself killed (see onStopRequest). A request during
 * start-up is served once the stack is up, or by the 9 s bound; a JVM left by that bound is
 * taken down by DynamoDB Local's watchdog when this process ends.
 */
let stopStack: (() => Promise<void>) | undefined;
let stopRequested = false;
const stopAndExit = () => {
  if (!stopStack) return;
  stopStack().then(
    () => {
      console.log('Stopped.');
      process.exit(0);
    },
    (error: unknown) => {
      console.error('Stopped with an error:', (error as Error).message);
      process.exit(1);
    },
  );
};
onStopRequest((reason) => {
  stopRequested = true;
  console.log(`${reason}: stopping…`);
  const force = setTimeout(() => {
    console.error('Still stopping after 9 s; exiting anyway.');
    process.exit(1);
  }, 9_000);
  force.unref();
  stopAndExit();
});
// Once the terminal is gone (SIGHUP) a write to it fails; the stop must go on regardless.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

try {
  const emulatorStarting = startEmulator({
    apiPort: port('API_PORT', 3000),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    sqsPort: port('SQS_PORT', 9324),
    functionUrlPort: port('FUNCTION_URL_PORT', 3002),
    dataDir,
    // This receiver's error bodies and dead-webhook message; the emulator knows no application.
    ...RECEIVER_PRESENTATION,
    ...(dataDir ? { notificationsFile: resolve(dataDir, 'notifications.jsonl') } : {}),
  });
  // The signing proxy's and the console's modules load while the emulator starts: imported
  // before it, they held back DynamoDB Local's launch, the longest step of the start.
  const toolsLoading = Promise.all([
    import('../tools/signing-proxy/server.js'),
    import('../tools/signing-proxy/proxy-settings.js'),
    import('../tools/console/server.js'),
    import('../tools/operator/operator.js'),
    import('../tools/operator/targets.js'),
    import('../services/providers/registry.js'),
  ]);
  // Awaited once the emulator is up; if the emulator fails first, its error is the one to report.
  toolsLoading.catch(() => {});
  const emulator = await emulatorStarting;
  const [
    { startSigningProxy },
    { secretsFromEnv },
    { startConsole },
    { createOperator },
    { embeddedTarget },
    { PROVIDERS },
  ] = await toolsLoading.catch(async (error: unknown) => {
    await emulator.stop();
    throw error;
  });
  const { endpoints, outputs } = emulator;
  const providers = configuredProviders(emulator.template, PROVIDERS);
  // The signing proxy, aimed at this API and signing with the secrets the stack was given.
  const proxy = await startSigningProxy({
    receiverUrl: endpoints.api,
    secrets: secretsFromEnv(process.env),
    port: port('PROXY_PORT', 3001),
  }).catch(async (error: unknown) => {
    await emulator.stop();
    throw error;
  });
  // The operator console, on the same operator module as `npm run webhooks`.
  const consoleTarget = embeddedTarget(emulator);
  const operatorConsole = await startConsole({
    operator: createOperator(consoleTarget, pino({ level: 'warn' })),
    port: port('CONSOLE_PORT', 3003),
    log: pino({ level: 'warn' }),
  }).catch(async (error: unknown) => {
    consoleTarget.close();
    await proxy.close();
    await emulator.stop();
    throw error;
  });
  console.log(
    [
      `Webhook receiver ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  stack      ${emulator.synthesis.cached ? 'reused the assembly of an earlier run (nothing it depends on changed)' : `synthesized in ${(emulator.synthesis.ms / 1000).toFixed(1)} s`}`,
      `  API        ${endpoints.api}/api/webhooks/{${providers}}`,
      `  fn URL     ${outputs.CaptureFunctionUrl ? `${outputs.CaptureFunctionUrl}api/webhooks/{${providers}}` : 'none (STACK_INGRESS=http-api)'}`,
      `  health     ${endpoints.api}/_emulator/health`,
      `  DynamoDB   ${endpoints.dynamodb}  table ${outputs.TableName}`,
      `  SQS/SNS    ${endpoints.sqs}`,
      `  data       ${dataDir ?? 'in memory'}${process.env.FAULT_INJECTION === '1' ? '\n  fault injection ON (x-fault-fail-attempts, x-fault-kind, x-fault-retry-after, x-fault-after-handler, x-fault-hang-attempts)' : ''}`,
      '  status     npm run webhooks -- status <id>',
      `  proxy      ${proxy.url}  (npm run send -- stripe payment_intent.succeeded)`,
      `  console    ${operatorConsole.url}  (the operator console in your browser)`,
    ].join('\n'),
  );

  stopStack = async () => {
    await operatorConsole.close();
    consoleTarget.close();
    await proxy.close();
    await emulator.stop();
  };
  if (stopRequested) stopAndExit();
} catch (error) {
  if (error instanceof JavaMissingError) {
    console.error(error.message);
    process.exit(3);
  }
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    console.error(
      `A port is already in use (${(error as Error).message}). Set API_PORT, DYNAMODB_PORT, SQS_PORT, FUNCTION_URL_PORT, PROXY_PORT or CONSOLE_PORT.`,
    );
    process.exit(4);
  }
  console.error(error);
  process.exit(1);
}

/** The providers the capture function has a secret for (`a|b|c`), as the stack configured it. */
function configuredProviders(
  template: CfnTemplate,
  descriptors: readonly ProviderDescriptor[],
): string {
  const capture = resourcesOfType(template, 'AWS::Lambda::Function').find(([id]) =>
    id.startsWith('CaptureFunction'),
  )?.[1];
  const env =
    (capture?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables ?? {};
  return descriptors
    .filter(({ secret }) => secret.variable in env || `${secret.variable}_PARAMETER` in env)
    .map(({ name }) => name)
    .join('|');
}

function loadEnvKeepingExisting(file: string): void {
  const before = { ...process.env };
  process.loadEnvFile(file);
  Object.assign(process.env, before);
}
