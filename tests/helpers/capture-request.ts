/**
 * A capture request's body as the capture handler hands it on: the bytes, and its size in an
 * invocation event that carries it as text (JSON-escaped), as for a JSON body.
 */
export function requestBody(rawBody: string | Uint8Array): {
  body: Buffer;
  eventBodyBytes: number;
} {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  return {
    body,
    eventBodyBytes:
      typeof rawBody === 'string'
        ? Buffer.byteLength(JSON.stringify(rawBody)) - 2
        : Math.ceil(body.byteLength / 3) * 4,
  };
}
