import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type FunctionDefinition, LambdaFunction, type LogSink } from './lambda-runtime.js';
import { LOCAL_CREDENTIALS } from './local-aws.js';
import type { StackContext } from './stack-context.js';
import { resourcesOfType } from './template.js';

export interface StackFunctionsOptions {
  readonly assemblyDir: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly maxConcurrency: number;
  readonly logSink: LogSink;
}

/** The template's functions, each running in its own execution environments. */
export class StackFunctions {
  private constructor(
    private readonly byLogicalId: ReadonlyMap<string, LambdaFunction>,
    private readonly invocationEndListeners: Array<(fn: LambdaFunction) => void>,
  ) {}

  /**
   * Calls `listener` after every invocation of any function: whatever the function wrote (a
   * captured webhook, a status change) is stored by then, so a stream poller can read it now.
   */
  onInvocationEnd(listener: (fn: LambdaFunction) => void): void {
    this.invocationEndListeners.push(listener);
  }

  /**
   * What every `AWS::Lambda::Function` of the template runs: its bundle in the assembly, with
   * what Lambda adds to the environment and then the template's own variables (resolved). Throws
   * TemplateResolutionError when a variable refers to what is not provisioned yet.
   */
  static definitions(
    context: StackContext,
    options: Pick<StackFunctionsOptions, 'assemblyDir' | 'endpoints'>,
  ): Map<string, FunctionDefinition> {
    const { region } = context;
    const runtimeEnv = {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: options.endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: options.endpoints.sqs,
      AWS_ENDPOINT_URL_SNS: options.endpoints.sqs,
      AWS_ENDPOINT_URL_S3: options.endpoints.sqs,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      // Lambda runs Node.js 22; the SDK's notice about this machine's Node.js 20 is noise there.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const definitions = new Map<string, FunctionDefinition>();
    for (const [logicalId, resource] of resourcesOfType(
      context.template,
      'AWS::Lambda::Function',
    )) {
      const props = resource.Properties ?? {};
      const assetPath = resource.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string')
        throw new Error(`Function ${logicalId} has no local asset to run`);
      const [file, handlerName] = splitHandler(String(props.Handler));
      const physical = context.resources.get(logicalId)!;
      const variables = (context.resolve.value(
        (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      ) ?? {}) as Record<string, string>;
      definitions.set(logicalId, {
        logicalId,
        functionName: physical.ref,
        functionArn: physical.attributes.Arn!,
        handlerFile: join(options.assemblyDir, assetPath, `${file}.mjs`),
        handlerName,
        timeoutSeconds: Number(props.Timeout ?? 3),
        memorySize: Number(props.MemorySize ?? 128),
        environment: {
          ...runtimeEnv,
          ...variables,
          AWS_LAMBDA_FUNCTION_NAME: physical.ref,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 128),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
          LAMBDA_TASK_ROOT: join(options.assemblyDir, assetPath),
        },
      });
    }
    return definitions;
  }

  /**
   * Starts the functions of `definitions` (by default the template's, see `definitions`), each
   * with one execution environment initialised before this resolves.
   */
  static async start(
    context: StackContext,
    options: StackFunctionsOptions,
    definitions = StackFunctions.definitions(context, options),
  ): Promise<StackFunctions> {
    const functions = new Map<string, LambdaFunction>();
    const invocationEndListeners: Array<(fn: LambdaFunction) => void> = [];
    const onInvocationEnd = (fn: LambdaFunction) => {
      for (const listener of invocationEndListeners) listener(fn);
    };
    for (const [logicalId, definition] of definitions) {
      functions.set(
        logicalId,
        new LambdaFunction(definition, {
          maxConcurrency: options.maxConcurrency,
          logSink: options.logSink,
          onInvocationEnd,
        }),
      );
    }
    const started = new StackFunctions(functions, invocationEndListeners);
    try {
      await Promise.all([...functions.values()].map((fn) => fn.warm()));
    } catch (error) {
      await started.stop();
      throw error;
    }
    return started;
  }

  /** Whether these functions run exactly `definitions` (code, settings and environment). */
  runs(definitions: ReadonlyMap<string, FunctionDefinition>): boolean {
    return (
      definitions.size === this.byLogicalId.size &&
      [...definitions].every(([logicalId, definition]) =>
        isDeepStrictEqual(this.byLogicalId.get(logicalId)?.definition, definition),
      )
    );
  }

  get all(): LambdaFunction[] {
    return [...this.byLogicalId.values()];
  }

  /** By logical id or function name (the emulator's own invoke route). */
  named(name: string): LambdaFunction | undefined {
    return [...this.byLogicalId.entries()].find(
      ([logicalId, fn]) => logicalId === name || fn.definition.functionName === name,
    )?.[1];
  }

  /** By the function name or ARN a resolved template value gives; throws if none. */
  resolved(nameOrArn: string): LambdaFunction {
    for (const fn of this.byLogicalId.values()) {
      const { functionName, functionArn } = fn.definition;
      if (functionName === nameOrArn || functionArn === nameOrArn) return fn;
    }
    throw new Error(`No function ${nameOrArn} in the template`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((fn) => fn.stop()));
  }
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

/** Each function's output on this process's stdout/stderr. */
export const defaultLogSink: LogSink = (_fn, stream, chunk) => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
};
