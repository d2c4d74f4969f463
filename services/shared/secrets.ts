import { GetParametersCommand, type GetParametersCommandOutput } from '@aws-sdk/client-ssm';
import type { SecretSource } from './config.js';
import { ConfigurationError } from './errors.js';

/** What `resolveSecrets` needs of an SSM client; tests pass a stub. */
export interface ParameterReader {
  send(command: GetParametersCommand): Promise<GetParametersCommandOutput>;
}

/** GetParameters takes at most ten names per call. */
const MAX_NAMES_PER_CALL = 10;

/**
 * Turns each secret source into its list of values (current secret first). Values given
 * directly are returned as they are; parameters are read from SSM Parameter Store in one
 * `GetParameters` call per ten names, decrypted. The SSM client is only asked for when a
 * parameter is needed, so the `local` profile never builds one.
 *
 * Nothing here logs or puts a secret value into an error: errors name parameters only.
 *
 * @throws ConfigurationError when a parameter is missing, is not a SecureString, or is empty.
 */
export async function resolveSecrets<K extends string>(
  sources: Readonly<Record<K, SecretSource>>,
  client: () => ParameterReader,
): Promise<Record<K, readonly string[]>> {
  const entries = Object.entries(sources) as Array<[K, SecretSource]>;
  const names = [
    ...new Set(
      entries.flatMap(([, source]) => ('parameterName' in source ? [source.parameterName] : [])),
    ),
  ];
  const values = new Map<string, readonly string[]>();
  for (let i = 0; i < names.length; i += MAX_NAMES_PER_CALL) {
    const chunk = names.slice(i, i + MAX_NAMES_PER_CALL);
    const output = await client().send(
      new GetParametersCommand({ Names: chunk, WithDecryption: true }),
    );
    const missing = output.InvalidParameters ?? [];
    if (missing.length > 0) {
      throw new ConfigurationError(
        `SSM parameter ${missing.join(', ')} does not exist (or this function may not read it). Create it as a SecureString: see docs/deploy.md.`,
        { context: { parameters: missing } },
      );
    }
    for (const parameter of output.Parameters ?? []) {
      if (parameter.Name === undefined) continue;
      if (parameter.Type !== 'SecureString') {
        throw new ConfigurationError(
          `SSM parameter ${parameter.Name} is a ${parameter.Type}; provider secrets must be SecureString parameters.`,
          { context: { parameter: parameter.Name, type: parameter.Type } },
        );
      }
      values.set(parameter.Name, splitSecretList(parameter.Value ?? ''));
    }
  }

  const resolved = {} as Record<K, readonly string[]>;
  for (const [key, source] of entries) {
    if ('values' in source) {
      resolved[key] = source.values;
      continue;
    }
    const list = values.get(source.parameterName) ?? [];
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
