import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/*
 * The one place that builds AWS clients, once per process. Endpoints come from the standard
 * AWS_ENDPOINT_URL_<SERVICE> variables, which the local emulator and LocalStack set; on AWS
 * they are absent and the SDK uses the regional endpoints.
 * Short timeouts: a capture must answer 503 storage_unavailable (and log why) when storage is
 * down or stalls, well inside the function's 10 s timeout: three attempts of at most 2 s each
 * and the SDK's backoff between them, so the sender retries instead of timing out.
 */
const requestHandler = { connectionTimeout: 1_000, requestTimeout: 2_000 };

let documentClient: DynamoDBDocumentClient | undefined;
let sqsClient: SQSClient | undefined;
let snsClient: SNSClient | undefined;
let s3Client: Promise<S3Client> | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(
    new DynamoDBClient({ maxAttempts: 3, requestHandler }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  return documentClient;
}

export function getSqsClient(): SQSClient {
  // With an explicit endpoint (local emulators), send there rather than to the QueueUrl's host.
  sqsClient ??= new SQSClient({
    maxAttempts: 3,
    requestHandler,
    useQueueUrlAsEndpoint: !process.env.AWS_ENDPOINT_URL_SQS,
  });
  return sqsClient;
}

export function getSnsClient(): SNSClient {
  snsClient ??= new SNSClient({ maxAttempts: 3, requestHandler });
  return snsClient;
}

/**
 * The S3 client, loaded on first use: only a body over the inline threshold needs it, so a
 * function that never meets one never loads the S3 SDK (a cold start saved per container).
 */
export function getS3Client(): Promise<S3Client> {
  // Locally (fauxqs, LocalStack) buckets are addressed by path: no wildcard DNS for
  // <bucket>.<host> is needed. The payload bucket's objects are megabytes: a longer request
  // timeout than the table's, still inside capture's 10 s.
  s3Client ??= import('@aws-sdk/client-s3').then(
    ({ S3Client }) =>
      new S3Client({
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
        forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3),
      }),
  );
  return s3Client;
}
