import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { invokeFetch } from './invoke-ingress.js';

/**
 * How the e2e suite's webhooks reach the capture function:
 * - `api`: over HTTP to the stack's HTTP API (the `ApiUrl` output), as a sender does;
 * - `function-url`: over HTTP to the capture function's URL (the `CaptureFunctionUrl` output),
 *   as a sender does where the stack's ingress is a Lambda function URL (LocalStack's free
 *   image has no API Gateway v2, but has function URLs);
 * - `invoke`: Lambda's Invoke API on the capture function (the `CaptureFunctionName` output)
 *   with the event API Gateway would send, for a stack with neither. Everything after capture
 *   is the same.
 */
export type Ingress = 'api' | 'function-url' | 'invoke';

/**
 * `E2E_INGRESS`: one of the three, or `auto` (default): `api` if the stack has a usable API,
 * else `function-url` if it has a function URL, else `invoke`.
 */
export type IngressSetting = Ingress | 'auto';

const SETTINGS: readonly IngressSetting[] = ['auto', 'api', 'function-url', 'invoke'];

export function parseIngressSetting(value: string | undefined): IngressSetting {
  const setting = (value?.trim() || 'auto') as IngressSetting;
  if (SETTINGS.includes(setting)) return setting;
  throw new Error(`E2E_INGRESS must be auto, api, function-url or invoke, not "${value}"`);
}

/**
 * LocalStack's CloudFormation deploys a resource type it does not support as a placeholder
 * whose id is "unknown" (and rewrites execute-api URLs to its own host), so without API Gateway
 * v2 the ApiUrl output is still a URL: https://unknown.execute-api.localhost.localstack.cloud:4566/.
 */
const PLACEHOLDER_API_ID = 'unknown';

/** The API's base URL if `value` names an API that exists; otherwise why not. */
export function usableApiUrl(
  value: string | undefined,
  output = 'ApiUrl',
): { readonly url: string } | { readonly reason: string } {
  if (!value) return { reason: `the stack has no ${output} output` };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { reason: `the ${output} output "${value}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { reason: `the ${output} output "${value}" is not an http(s) URL` };
  }
  if (url.hostname.split('.')[0] === PLACEHOLDER_API_ID) {
    return {
      reason: `the ${output} output "${value}" names LocalStack's placeholder for a resource it did not create (no API Gateway v2 in this image)`,
    };
  }
  return { url: value.replace(/\/+$/, '') };
}

export type IngressChoice =
  | { readonly ingress: 'api'; readonly apiUrl: string }
  | { readonly ingress: 'function-url'; readonly apiUrl: string; readonly reason: string }
  | { readonly ingress: 'invoke'; readonly functionName: string; readonly reason: string };

/**
 * Picks the ingress from the setting and the stack's outputs. `apiUrl` (E2E_API_URL) overrides
 * the ApiUrl output. Throws, naming the cause and the fix, when the chosen one cannot work.
 */
export function chooseIngress(
  setting: IngressSetting,
  outputs: Readonly<Record<string, string | undefined>>,
  options: { apiUrl?: string; target: string },
): IngressChoice {
  const api = usableApiUrl(options.apiUrl || outputs.ApiUrl);
  const functionUrl = usableApiUrl(outputs.CaptureFunctionUrl, 'CaptureFunctionUrl');
  const functionName = outputs.CaptureFunctionName;
  const why = (result: { url: string } | { reason: string }) =>
    'reason' in result ? result.reason : '';
  if ((setting === 'auto' || setting === 'api') && 'url' in api) {
    return { ingress: 'api', apiUrl: api.url };
  }
  if (setting === 'api') {
    throw new Error(
      `E2E_INGRESS=api, but ${why(api)} on ${options.target}. ` +
        (options.target === 'localstack'
          ? "API Gateway v2 is not in LocalStack's free image: run it with LOCALSTACK_AUTH_TOKEN and a licensed image, or use E2E_INGRESS=function-url or invoke (docs/targets.md)."
          : 'Deploy the current stack again, or use E2E_INGRESS=function-url or invoke.'),
    );
  }
  if ((setting === 'auto' || setting === 'function-url') && 'url' in functionUrl) {
    return {
      ingress: 'function-url',
      apiUrl: functionUrl.url,
      reason: setting === 'function-url' ? 'E2E_INGRESS=function-url' : why(api),
    };
  }
  if (setting === 'function-url') {
    throw new Error(
      `E2E_INGRESS=function-url, but ${why(functionUrl)} on ${options.target}. ` +
        'Deploy the stack with a function URL (the local profile has one; STACK_INGRESS=function-url or both elsewhere), or use E2E_INGRESS=invoke.',
    );
  }
  if (!functionName) {
    throw new Error(
      `The stack has no CaptureFunctionName output on ${options.target}, so the capture function cannot be invoked directly` +
        (setting === 'auto' ? `, ${why(api)}, and ${why(functionUrl)}` : '') +
        '. Deploy the current stack again.',
    );
  }
  return {
    ingress: 'invoke',
    functionName,
    reason: setting === 'invoke' ? 'E2E_INGRESS=invoke' : `${why(api)}, and ${why(functionUrl)}`,
  };
}

export interface OpenIngress {
  readonly ingress: Ingress;
  /** The API's or function URL's base URL, or `lambda-invoke://<function>` naming what `fetch` invokes. */
  readonly apiUrl: string;
  /** `fetch` for `${apiUrl}/api/webhooks/{provider}`. */
  readonly fetch: typeof fetch;
  close(): void;
}

/** The chosen ingress, ready to post to; `lambda` configures the Lambda client (endpoint, region). */
export function openIngress(choice: IngressChoice, lambda: LambdaClientConfig): OpenIngress {
  if (choice.ingress !== 'invoke') {
    return { ingress: choice.ingress, apiUrl: choice.apiUrl, fetch: globalThis.fetch, close() {} };
  }
  const client = new LambdaClient(lambda);
  return {
    ingress: 'invoke',
    apiUrl: `lambda-invoke://${choice.functionName}`,
    fetch: invokeFetch(client, choice.functionName),
    close: () => client.destroy(),
  };
}
