import { createServer } from 'node:net';

/**
 * The region and credentials every local client uses. DynamoDB Local runs with -sharedDb, so any
 * credentials see the same tables; they are fixed anyway so nothing depends on the caller's.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function localClientConfig(endpoint: string) {
  return { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 };
}

/**
 * A free TCP port on 127.0.0.1, for a server that binds it a moment later (DynamoDB Local's JVM,
 * the HTTP API once its routes are built). Consecutive ports from a random base between 20000
 * and 29999, below the ephemeral ranges the systems hand to outgoing connections (Linux 32768 and
 * up, macOS and Windows 49152 and up), each checked free. A free ephemeral port is closed again at
 * once and bound only seconds later; with stacks starting side by side and every SDK client
 * opening connections meanwhile, one was taken first (EADDRINUSE). Below that range only a server
 * that names its port can take it.
 */
let nextPort = 20_000 + Math.floor(Math.random() * 10_000);
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 10_000; tries++) {
    const port = nextPort;
    nextPort = nextPort >= 29_999 ? 20_000 : nextPort + 1;
    if (await bindable(port)) return port;
  }
  throw new Error('No free TCP port on 127.0.0.1 between 20000 and 29999');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
