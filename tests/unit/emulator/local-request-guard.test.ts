import { describe, expect, it } from 'vitest';
import { refuseNonLocalRequest } from '../../../emulator/local-request-guard.js';

const PORT = 3000;
const request = (
  headers: Record<string, string>,
  method = 'POST',
): Parameters<typeof refuseNonLocalRequest>[0] => ({
  method,
  port: PORT,
  headers: { host: `127.0.0.1:${PORT}`, ...headers },
});

describe('refuseNonLocalRequest', () => {
  it.each([`127.0.0.1:${PORT}`, `localhost:${PORT}`, `LOCALHOST:${PORT}`, `[::1]:${PORT}`])(
    'lets a local tool through (Host %s, no Origin, JSON)',
    (host) => {
      expect(refuseNonLocalRequest(request({ host, 'content-type': 'application/json' }))).toBe(
        undefined,
      );
    },
  );

  it('lets a page of its own origin through', () => {
    expect(refuseNonLocalRequest(request({ origin: `http://localhost:${PORT}` }))).toBe(undefined);
  });

  it.each([
    ['a DNS-rebinding name', `evil.example:${PORT}`],
    ['another port', '127.0.0.1:9999'],
    ['no port', '127.0.0.1'],
    ['another interface', `192.0.2.2:${PORT}`],
  ])('refuses %s in Host with 403 forbidden_host', (_what, host) => {
    expect(refuseNonLocalRequest(request({ host }, 'GET'))).toMatchObject({
      statusCode: 403,
      code: 'forbidden_host',
    });
  });

  it.each(['https://evil.example', 'null', `http://127.0.0.1:${PORT + 1}`, 'not a url'])(
    'refuses Origin %s with 403 forbidden_origin, also on reads',
    (origin) => {
      expect(refuseNonLocalRequest(request({ origin }, 'GET'))).toMatchObject({
        statusCode: 403,
        code: 'forbidden_origin',
      });
    },
  );

  it.each([
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ])('refuses %s on a route that acts with 415, even without Origin', (type) => {
    expect(refuseNonLocalRequest(request({ 'content-type': type }))).toMatchObject({
      statusCode: 415,
      code: 'unsupported_media_type',
    });
    expect(refuseNonLocalRequest(request({ 'content-type': type }, 'GET'))).toBe(undefined);
  });
});
