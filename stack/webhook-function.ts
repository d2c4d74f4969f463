import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export interface WebhookFunctionProps {
  /** Handler file under services/handlers, without extension. */
  readonly handler: 'capture' | 'process' | 'retry' | 'sweep';
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  /** At most this many instances at once, kept for this function alone (default: unreserved). */
  readonly reservedConcurrentExecutions?: number;
  readonly environment: Record<string, string>;
}

/**
 * The settings every function shares: Node.js 22 on ARM, bundled by the local esbuild (never
 * Docker) as ESM, with the runtime's own AWS SDK v3 left out of the bundle.
 */
export class WebhookFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    super(scope, id, {
      entry: `${projectRoot}services/handlers/${props.handler}.ts`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment: props.environment,
      bundling: {
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        // Error class names are logged and matched on; keep them through minification.
        keepNames: true,
        sourceMap: false,
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        // Some CommonJS dependencies call require() for Node built-ins; give ESM one.
        banner:
          "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
      },
    });
  }
}
