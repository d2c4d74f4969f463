import { SignatureVerificationError } from '../shared/errors.js';

/** Strict: invalid bytes throw instead of becoming U+FFFD; a BOM is kept, so text re-encodes exactly. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A body as bytes; a string (tests, the signing proxy) is taken as its UTF-8 bytes. */
export function bodyBytes(rawBody: string | Uint8Array): Buffer {
  return typeof rawBody === 'string'
    ? Buffer.from(rawBody, 'utf8')
    : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
}

/** The text these bytes encode when they are valid UTF-8 (re-encoding to exactly them), else undefined. */
export function utf8TextOf(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * A body as the text its bytes encode, for a provider whose official library verifies text
 * (Stripe, GitHub, BigCommerce, Standard Webhooks: all sign JSON, which is UTF-8). The text
 * re-encodes to exactly the bytes received, so the library checks the signature over those bytes.
 * @throws SignatureVerificationError (reason `not_utf8`) when the bytes are not UTF-8: no text
 * the library can hash is those bytes, so the signature cannot be checked over them.
 */
export function bodyText(rawBody: string | Uint8Array, provider: string): string {
  if (typeof rawBody === 'string') return rawBody;
  const text = utf8TextOf(rawBody);
  if (text === undefined) {
    throw new SignatureVerificationError(
      `The body is not valid UTF-8. ${provider} signs JSON text, and its official library ` +
        'verifies the signature over text, so these bytes cannot be checked. Does a proxy ' +
        're-encode the request body?',
      { context: { provider, reason: 'not_utf8', size: rawBody.byteLength } },
    );
  }
  return text;
}
