import type { IncomingHttpHeaders } from 'node:http';
import {
  CrossOriginRefusedError,
  HostRefusedError,
  UnsupportedContentTypeError,
} from './errors.js';

/*
 * The proxy signs with real secrets for anyone who reaches it, so only this machine's own tools
 * may: not a web page the developer happens to have open.
 * - A page on another site can POST here without asking first (no CORS preflight) when the body
 *   is text/plain, a form, or nothing at all; browsers always add `Origin` to such a POST.
 * - A page can also make its own hostname resolve to 127.0.0.1 (DNS rebinding) and then be
 *   "same origin"; the `Host` header still carries that foreign hostname.
 * curl, `fetch` from Node.js and the proxy's own tools send no `Origin` and a loopback `Host`.
 */

/** The names this machine answers to on loopback; `[::1]` as a Host header writes it. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/** What a route that signs and sends accepts: JSON, or YAML for scenarios. */
export const ACTING_CONTENT_TYPES: readonly string[] = [
  'application/json',
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
];

/**
 * Throws unless `Host` names this machine (or one of `extraHostnames`, e.g. the PROXY_HOST a
 * container listens on) and `Origin`, when present, is the proxy's own. Ports are not compared:
 * a port forward or a compose mapping changes them, and a foreign page is already told apart by
 * its hostname (rebinding) or its Origin.
 */
export function checkRequestSource(
  headers: IncomingHttpHeaders,
  extraHostnames: readonly string[] = [],
): void {
  const host = headers.host;
  const hostname = host === undefined ? undefined : hostnameOf(host);
  const allowed = [
    ...new Set([...LOOPBACK_HOSTNAMES, ...extraHostnames.map((h) => h.toLowerCase())]),
  ];
  if (hostname === undefined || !allowed.includes(hostname)) {
    throw new HostRefusedError(
      `Host "${clip(host ?? '')}" is not this machine. The signing proxy answers requests to ${allowed.join(', ')} only.`,
      { context: { host: clip(host ?? '') } },
    );
  }
  const origin = headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host?.toLowerCase()}`) {
    throw new CrossOriginRefusedError(
      `Requests from web pages (Origin "${clip(origin)}") are refused: the proxy signs with real secrets. Use curl, npm run send, or fetch from Node.js.`,
      { context: { origin: clip(origin), host: clip(host ?? '') } },
    );
  }
}

/**
 * Throws unless a request to a route that signs and sends says it carries JSON or YAML. A page
 * can send text/plain, a form or an empty body to any site without a preflight; not these.
 */
export function checkActingContentType(headers: IncomingHttpHeaders): void {
  const raw = headers['content-type'];
  const mediaType = raw?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || !ACTING_CONTENT_TYPES.includes(mediaType)) {
    throw new UnsupportedContentTypeError(
      `${raw === undefined ? 'No content-type' : `content-type "${clip(raw)}"`}: send content-type: application/json (an empty body is fine) or application/yaml for a scenario.`,
      { context: { contentType: clip(raw ?? '') } },
    );
  }
}

/** `name`, `name:port`, `[v6]` or `[v6]:port`; anything else is not a Host header. */
function hostnameOf(host: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(host);
  return match?.[1]?.toLowerCase();
}

/** Header values are the caller's: shown and logged short. */
function clip(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}…` : value;
}
