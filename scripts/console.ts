// This machine may run Node.js 20; Lambda runs 22. The SDK's notice about it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startConsole } from '../tools/console/server.js';
import { createOperator } from '../tools/operator/operator.js';
import { openTarget, type TargetName, TargetUnavailableError } from '../tools/operator/targets.js';
import { onStopRequest } from '../tools/process/stop-requests.js';

/*
 * `npm run console -- --target localstack|aws`: the operator console on 127.0.0.1, against a
 * deployed stack with the AWS credentials of the usual chain (AWS_PROFILE, AWS_REGION, SSO, …).
 * `npm start` serves the same console for the embedded stack by itself.
 */
const USAGE = `Usage: npm run console -- [--target embedded|localstack|aws] [--port N] [--api URL]

  --target T   the stack to operate (default embedded, the one \`npm start\` runs)
  --port N     where to serve it on 127.0.0.1 (default CONSOLE_PORT, else 3003; 0 for any)
  --api URL    the embedded stack's API (default http://127.0.0.1:$API_PORT, 3000)
`;

const log = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'embedded' },
      port: { type: 'string' },
      api: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const name = values.target as TargetName;
  const port = Number(values.port ?? process.env.CONSOLE_PORT ?? 3003);
  if (
    !['embedded', 'localstack', 'aws'].includes(name) ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65_535
  ) {
    process.stderr.write(USAGE);
    return 2;
  }
  const target = await openTarget(name, {
    apiUrl: values.api ?? `http://127.0.0.1:${process.env.API_PORT ?? 3000}`,
  });
  const running = await startConsole({ operator: createOperator(target, log), port, log }).catch(
    (error: unknown) => {
      target.close();
      throw error;
    },
  );
  process.stdout.write(
    `Operator console for ${name === 'embedded' ? 'the embedded stack' : `${target.outputs.TableName ? `table ${target.outputs.TableName} on ` : ''}${name}`}: ${running.url}\n`,
  );
  onStopRequest(() => {
    running.close().finally(() => {
      target.close();
      process.exit(0);
    });
  });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof TargetUnavailableError) process.stderr.write(`${error.message}\n`);
    else if ((error as { code?: string }).code === 'EADDRINUSE')
      process.stderr.write(
        `The port is in use (${(error as Error).message}). Set --port or CONSOLE_PORT.\n`,
      );
    else process.stderr.write(`Failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
