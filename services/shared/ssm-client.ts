import { SSMClient } from '@aws-sdk/client-ssm';

/*
 * The SSM client, built once per process and only by the function that reads provider secrets
 * on AWS. It lives apart from aws-clients.ts so the process and retry functions never load the
 * SSM SDK at cold start.
 */
let ssmClient: SSMClient | undefined;

export function getSsmClient(): SSMClient {
  ssmClient ??= new SSMClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  return ssmClient;
}
