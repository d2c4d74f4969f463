import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { onStopRequest } from '../process/stop-requests.js';
import { type BuildOptions, build } from './app.js';
import { readProxySettings } from './proxy-settings.js';

export interface RunningProxy {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** Addresses that mean "every interface": not a name a request may carry in its Host header. */
const WILDCARDS = ['0.0.0.0', '::', '[::]'];

/**
 * Builds the proxy and listens on 127.0.0.1 by default: it signs with real secrets for anyone
 * who asks. Inside a container (docker compose) PROXY_HOST=0.0.0.0 publishes it to the host.
 * Requests must name this machine in their Host either way (or PROXY_HOST when that is a name).
 */
export async function startSigningProxy(
  options: BuildOptions & { readonly port: number; readonly host?: string },
): Promise<RunningProxy> {
  const host = options.host ?? '127.0.0.1';
  const app = build({
    // Its own lines are warnings and errors (refused or failed requests); not Fastify's banner.
    logger: { level: 'warn', base: { component: 'signing-proxy' } },
    ...options,
    allowedHostnames: [
      ...(options.allowedHostnames ?? []),
      ...(WILDCARDS.includes(host) ? [] : [host.includes(':') ? `[${host}]` : host]),
    ],
  });
  await app.listen({ port: options.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    app,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () => app.close(),
  };
}

// Alone: `npm run proxy` (RECEIVER_URL, PROXY_PORT, and the receiver's secret variables).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (existsSync('.env')) {
    const before = { ...process.env };
    process.loadEnvFile('.env');
    Object.assign(process.env, before);
  }
  try {
    const settings = readProxySettings();
    const proxy = await startSigningProxy({
      receiverUrl: settings.receiverUrl,
      secrets: settings.secrets,
      port: settings.port,
      host: settings.host,
    });
    console.log(
      `Signing proxy on ${proxy.url}, sending to ${settings.receiverUrl}\n` +
        `  try: curl -s -X POST -H 'content-type: application/json' ${proxy.url}/send/stripe/payment_intent.succeeded`,
    );
    // Ctrl-C, SIGTERM, the terminal closing or npm killed: the port is freed either way.
    onStopRequest(() => void proxy.close().finally(() => process.exit(0)));
  } catch (error) {
    const code = (error as { code?: string }).code;
    console.error(
      code === 'EADDRINUSE'
        ? `Port in use (${(error as Error).message}). Set PROXY_PORT.`
        : (error as Error).message,
    );
    process.exit(1);
  }
}
