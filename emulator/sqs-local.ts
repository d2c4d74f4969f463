import { buildApp } from 'fauxqs';
import { fauxqsStoresOnDisk } from './s3-on-disk.js';

export interface SqsLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs (SQS, SNS and S3 on one port) in this process, listening on 127.0.0.1 only
 * (its own `startFauxqs` binds every interface). Queues and messages are in memory: they do not
 * survive a restart, which the sweeper covers. S3 objects are kept under `s3Dir` when it is
 * given (./s3-on-disk.ts), as DynamoDB Local keeps the table: a claim-checked body is still
 * there for the webhook that points at it after a restart.
 */
export async function startSqsLocal(options: {
  port: number;
  region: string;
  s3Dir?: string;
}): Promise<SqsLocal> {
  // Queue URLs read http://sqs.<region>.localhost:<port>/<account>/<name>, as fauxqs builds them.
  const app = buildApp({
    logger: false,
    host: 'localhost',
    defaultRegion: options.region,
    ...(options.s3Dir ? { stores: await fauxqsStoresOnDisk(options.s3Dir) } : {}),
  });
  await app.listen({ port: options.port, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await app.close();
    },
  };
}
