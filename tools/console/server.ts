import { randomBytes } from 'node:crypto';
import type { Logger } from '../../services/shared/logger.js';
import type { Operator } from '../operator/operator.js';
import { buildConsoleApp } from './app.js';

export interface RunningConsole {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

/**
 * Serves the console on 127.0.0.1 only (never another interface: it acts with the operator's
 * credentials), with a new token for actions each run. Port 0 picks a free one.
 */
export async function startConsole(options: {
  operator: Operator;
  port: number;
  log: Logger;
}): Promise<RunningConsole> {
  const token = randomBytes(24).toString('base64url');
  const app = buildConsoleApp({ operator: options.operator, token, log: options.log });
  await app.listen({ host: '127.0.0.1', port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () => app.close(),
  };
}
