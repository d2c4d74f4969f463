import { buildApp } from 'fauxqs';

export interface SqsLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs (SQS, SNS and S3 on one port) in this process, listening on 127.0.0.1 only
 * (its own `startFauxqs` binds every interface). State is in memory: queues and messages do
 * not survive a restart, which the sweeper covers.
 */
export async function startSqsLocal(options: { port: number; region: string }): Promise<SqsLocal> {
  // Queue URLs read http://sqs.<region>.localhost:<port>/<account>/<name>, as fauxqs builds them.
  const app = buildApp({ logger: false, host: 'localhost', defaultRegion: options.region });
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
