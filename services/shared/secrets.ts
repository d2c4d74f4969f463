import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretSource } from './config.js';
import { ConfigurationError } from './errors.js';

/*
 * Provider secrets from SSM Parameter Store through Powertools' Parameters utility: it batches
 * the names (ten per GetParameters call), decrypts, and reports missing parameters. It costs the
 * capture bundle about 12 KB minified (measured alone with the stack's esbuild settings; the
 * whole capture bundle is about 154 KB, within its 300 KB budget). The capture function keeps what it builds from them for the
 * container's life (services/handlers/capture-dependencies.ts), so Powertools' own cache only
 * serves a retry after a failed build.
 */
const providers = new WeakMap<SSMClient, SSMProvider>();

/**
 * Turns each secret source into its list of values (current first). Values given directly are
 * returned as they are; parameters are read from SSM, decrypted. The SSM client is only asked for
 * when a parameter is needed, so the `local` profile never builds one.
 *
 * Nothing here logs or puts a secret value into an error: errors name parameters only.
 *
 * @throws ConfigurationError when a parameter is missing (or may not be read) or is empty.
 */
export async function resolveSecrets<K extends string>(
  sources: Readonly<Record<K, SecretSource>>,
  client: () => SSMClient,
): Promise<Record<K, readonly string[]>> {
  const entries = Object.entries(sources) as Array<[K, SecretSource]>;
  const names = [
    ...new Set(
      entries.flatMap(([, source]) => ('parameterName' in source ? [source.parameterName] : [])),
    ),
  ];
  let values: Record<string, unknown> = {};
  if (names.length > 0) {
    const ssm = client();
    const provider = providers.get(ssm) ?? new SSMProvider({ awsSdkV3Client: ssm });
    providers.set(ssm, provider);
    const { _errors: missing = [], ...found } = await provider.getParametersByName(
      Object.fromEntries(names.map((name) => [name, {}])),
      { decrypt: true, throwOnError: false },
    );
    if (missing.length > 0) {
      throw new ConfigurationError(
        `SSM parameter ${missing.join(', ')} does not exist (or this function may not read it). Create it as a SecureString: see docs/deploy.md.`,
        { context: { parameters: missing } },
      );
    }
    values = found;
  }

  const resolved = {} as Record<K, readonly string[]>;
  for (const [key, source] of entries) {
    if ('values' in source) {
      resolved[key] = source.values;
      continue;
    }
    const value = values[source.parameterName];
    const list = typeof value === 'string' ? splitSecretList(value) : [];
    if (list.length === 0) {
      throw new ConfigurationError(
        `SSM parameter ${source.parameterName} (for ${source.variable}) holds no secret.`,
        { context: { parameter: source.parameterName, setting: source.variable } },
      );
    }
    resolved[key] = list;
  }
  return resolved;
}

/** Comma-separated, as the environment variables are, so secrets rotate the same way. */
function splitSecretList(value: string): readonly string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
