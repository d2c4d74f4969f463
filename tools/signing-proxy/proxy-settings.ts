import { CATALOGUES } from './catalogue/catalogues.js';
import type { ProviderCatalogue } from './catalogue/provider-catalogue.js';
import { InvalidProxyRequestError } from './errors.js';

export interface ProxySettings {
  /** RECEIVER_URL: where webhooks go. Default http://127.0.0.1:3000 (`npm start`'s API). */
  readonly receiverUrl: string;
  /** PROXY_PORT: default 3001. */
  readonly port: number;
  /** PROXY_HOST: the address it listens on, default 127.0.0.1 (0.0.0.0 inside a container). */
  readonly host: string;
  /** Each provider's secrets from the receiver's own variables (comma-separated, first signs). */
  readonly secrets: Readonly<Record<string, readonly string[]>>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The proxy's settings, read once from the environment (and .env, which the entry points load). */
export function readProxySettings(
  env: Env = process.env,
  catalogues: readonly ProviderCatalogue[] = CATALOGUES,
): ProxySettings {
  return {
    receiverUrl: receiverUrl(env.RECEIVER_URL || 'http://127.0.0.1:3000', 'RECEIVER_URL'),
    port: port(env.PROXY_PORT, 3001),
    host: env.PROXY_HOST || '127.0.0.1',
    secrets: secretsFromEnv(env, catalogues),
  };
}

/** Providers whose secret variable is set; the others sign with their local default. */
export function secretsFromEnv(
  env: Env,
  catalogues: readonly ProviderCatalogue[] = CATALOGUES,
): Record<string, readonly string[]> {
  const secrets: Record<string, readonly string[]> = {};
  for (const catalogue of catalogues) {
    const list = (env[catalogue.secret.env] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length > 0) secrets[catalogue.provider] = list;
  }
  return secrets;
}

export function receiverUrl(value: string, name = 'receiver'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidProxyRequestError(`${name} must be an http(s) URL, got "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidProxyRequestError(`${name} must be an http(s) URL, got "${value}".`);
  }
  return value.replace(/\/+$/, '');
}

function port(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new InvalidProxyRequestError(`PROXY_PORT must be a port number, got "${raw}".`);
  }
  return value;
}
