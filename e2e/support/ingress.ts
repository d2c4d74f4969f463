import { LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import { invokeFetch } from './invoke-ingress.js';

/**
 * How the e2e suite's webhooks reach the capture function:
 * - `api`: over HTTP to the stack's HTTP API (the `ApiUrl` output), as a sender does;
 * - `invoke`: Lambda's Invoke API on the capture function (the `CaptureFunctionName` output)
 *   with the event API Gateway would send, for targets without API Gateway v2 (LocalStack's
 *   free image). Everything after capture is the same.
 */
export type Ingress = 'api' | 'invoke';

/** `E2E_INGRESS`: one of the two, or `auto` (default): `api` if the stack has a usable API. */
export type IngressSetting = Ingress | 'auto';

export function parseIngressSetting(value: string | undefined): IngressSetting {
  const setting = value?.trim() || 'auto';
  if (setting === 'auto' || setting === 'api' || setting === 'invoke') return setting;
  throw new Error(`E2E_INGRESS must be auto, api or invoke, not "${value}"`);
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
): { readonly url: string } | { readonly reason: string } {
  if (!value) return { reason: 'the stack has no ApiUrl output' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { reason: `the ApiUrl output "${value}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { reason: `the ApiUrl output "${value}" is not an http(s) URL` };
  }
  if (url.hostname.split('.')[0] === PLACEHOLDER_API_ID) {
    return {
      reason: `the ApiUrl output "${value}" names LocalStack's placeholder for a resource it did not create (no API Gateway v2 in this image)`,
    };
  }
  return { url: value.replace(/\/+$/, '') };
}

export type IngressChoice =
  | { readonly ingress: 'api'; readonly apiUrl: string }
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
  const functionName = outputs.CaptureFunctionName;
  if (setting !== 'invoke' && 'url' in api) return { ingress: 'api', apiUrl: api.url };
  if (setting === 'api') {
    throw new Error(
      `E2E_INGRESS=api, but ${'reason' in api ? api.reason : ''} on ${options.target}. ` +
        (options.target === 'localstack'
          ? "API Gateway v2 is not in LocalStack's free image: run it with LOCALSTACK_AUTH_TOKEN and a licensed image, or use E2E_INGRESS=invoke (docs/targets.md)."
          : 'Deploy the current stack again, or use E2E_INGRESS=invoke.'),
    );
  }
  if (!functionName) {
    throw new Error(
      `The stack has no CaptureFunctionName output on ${options.target}, so the capture function cannot be invoked directly` +
        (setting === 'auto' && 'reason' in api ? `, and ${api.reason}` : '') +
        '. Deploy the current stack again.',
    );
  }
  return {
    ingress: 'invoke',
    functionName,
    reason: setting === 'invoke' ? 'E2E_INGRESS=invoke' : 'reason' in api ? api.reason : '',
  };
}

export interface OpenIngress {
  readonly ingress: Ingress;
  /** The API's base URL, or `lambda-invoke://<function>` naming what `fetch` invokes. */
  readonly apiUrl: string;
  /** `fetch` for `${apiUrl}/api/webhooks/{provider}`. */
  readonly fetch: typeof fetch;
  close(): void;
}

/** The chosen ingress, ready to post to; `lambda` configures the Lambda client (endpoint, region). */
export function openIngress(choice: IngressChoice, lambda: LambdaClientConfig): OpenIngress {
  if (choice.ingress === 'api') {
    return { ingress: 'api', apiUrl: choice.apiUrl, fetch: globalThis.fetch, close() {} };
  }
  const client = new LambdaClient(lambda);
  return {
    ingress: 'invoke',
    apiUrl: `lambda-invoke://${choice.functionName}`,
    fetch: invokeFetch(client, choice.functionName),
    close: () => client.destroy(),
  };
}
