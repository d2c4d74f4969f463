/*
 * For HTTP routes meant for this machine only (the emulator's admin routes, its Lambda Invoke
 * API, a local tool's control routes): a web page the developer visits must not reach them.
 * - `Host` must be 127.0.0.1, localhost or [::1] with the port the request came in on: a DNS
 *   rebinding page (evil.example resolving to 127.0.0.1) sends its own name.
 * - `Origin`, when present, must be one of those same origins: a cross-site page's fetch or
 *   form post carries its own.
 * - On routes that act, a content type a page may send without a CORS preflight (text/plain,
 *   application/x-www-form-urlencoded, multipart/form-data) is refused, whatever the Origin.
 * Requests without `Origin` (curl, the SDKs, the CLI) pass when their `Host` is local.
 */

/** Why a request is refused, or undefined when it may go on. */
export interface LocalRequestRefusal {
  readonly statusCode: 403 | 415;
  readonly code: 'forbidden_host' | 'forbidden_origin' | 'unsupported_media_type';
  readonly message: string;
}

export interface LocalRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The local port the connection came in on. */
  readonly port: number;
}

const LOCAL_HOSTNAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** Content types a browser sends cross-site without asking first (the CORS "simple" ones). */
const NO_PREFLIGHT_TYPES = new Set([
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);

/** Methods that read only. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function refuseNonLocalRequest(request: LocalRequest): LocalRequestRefusal | undefined {
  const localHosts = new Set(LOCAL_HOSTNAMES.map((name) => `${name}:${request.port}`));
  const host = single(request.headers.host)?.toLowerCase();
  if (!host || !localHosts.has(host)) {
    return {
      statusCode: 403,
      code: 'forbidden_host',
      message: `Local only: the Host must be 127.0.0.1:${request.port} or localhost:${request.port}.`,
    };
  }
  const origin = single(request.headers.origin);
  if (origin !== undefined) {
    let allowed = false;
    try {
      const url = new URL(origin);
      allowed = url.protocol === 'http:' && localHosts.has(url.host);
    } catch {
      // `null` (a sandboxed page, a file) or garbage: not ours.
    }
    if (!allowed) {
      return {
        statusCode: 403,
        code: 'forbidden_origin',
        message: 'Local only: requests from web pages of other origins are refused.',
      };
    }
  }
  if (!SAFE_METHODS.has(request.method.toUpperCase())) {
    const type = single(request.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
    if (type !== undefined && NO_PREFLIGHT_TYPES.has(type)) {
      return {
        statusCode: 415,
        code: 'unsupported_media_type',
        message: `Content type ${type} is refused here (a web page can send it unasked); send application/json.`,
      };
    }
  }
  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
