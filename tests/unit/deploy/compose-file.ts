import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/*
 * Reading docker-compose.yml as Compose does, for the static checks (no Docker engine runs
 * where this project is developed): YAML with merge keys, then `${VAR}` interpolation.
 */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  dns?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  profiles?: string[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { name?: string; ipam?: { config?: Array<{ subnet?: string }> } }>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export function composeText(): string {
  return readFileSync(`${ROOT}docker-compose.yml`, 'utf8');
}

/** The file as written, merge keys applied, nothing interpolated. */
export function rawCompose(): ComposeFile {
  return parse(composeText(), { merge: true }) as ComposeFile;
}

/**
 * Compose's interpolation: `$$` is a literal `$`; `${VAR:-default}` (unset or empty),
 * `${VAR-default}` (unset), `${VAR}` and `$VAR`.
 */
export function interpolate(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}|\$(\w+)/g,
    (match, braced?: string, operator?: string, fallback?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = braced ?? bare!;
      const current = env[name];
      if (operator === ':-') return current ? current : (fallback ?? '');
      if (operator === '-') return current ?? fallback ?? '';
      return current ?? '';
    },
  );
}

function interpolateAll(value: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateAll(v, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return value;
}

/** The file as `docker compose config` would see it with this shell environment. */
export function compose(env: Readonly<Record<string, string>> = {}): ComposeFile {
  return interpolateAll(rawCompose(), env) as ComposeFile;
}
