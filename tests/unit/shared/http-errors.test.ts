import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  InjectedFaultError,
  InvalidEventError,
  PayloadTooLargeError,
  ProcessingError,
  SignatureVerificationError,
  StorageUnavailableError,
  TransitionRejectedError,
  UnknownProviderError,
  type WebhookReceiverError,
} from '../../../services/shared/errors.js';
import { toHttpError } from '../../../services/shared/http-errors.js';

const INTERNAL_MESSAGE = 'The webhook could not be accepted; the sender should retry.';

describe('toHttpError: errors the sender can act on', () => {
  it.each([
    ['SignatureVerificationError', SignatureVerificationError, 401, 'invalid_signature'],
    ['UnknownProviderError', UnknownProviderError, 404, 'unknown_provider'],
    ['InvalidEventError', InvalidEventError, 400, 'invalid_event'],
    ['PayloadTooLargeError', PayloadTooLargeError, 413, 'payload_too_large'],
    ['StorageUnavailableError', StorageUnavailableError, 503, 'storage_unavailable'],
  ] as const)(
    '%s maps to %i with code %s and its own message',
    (_name, ErrorClass, status, code) => {
      const error = new ErrorClass('what went wrong, for the sender', {
        context: { secret: 'never-shown' },
      });
      expect(toHttpError(error)).toEqual({
        statusCode: status,
        body: { error: { code, message: 'what went wrong, for the sender' } },
      });
    },
  );
});

describe('toHttpError: everything else is a 500 that reveals nothing', () => {
  const internal = {
    statusCode: 500,
    body: { error: { code: 'internal_error', message: INTERNAL_MESSAGE } },
  };

  it('maps an unknown Error to 500 internal_error without its message', () => {
    const secret = 'ConditionalCheckFailed on table prod-webhooks at arn:aws:dynamodb:xyz';
    const result = toHttpError(new Error(secret, { cause: new Error('cause-detail') }));
    expect(result).toEqual(internal);
    const serialised = JSON.stringify(result);
    for (const fragment of ['ConditionalCheck', 'prod-webhooks', 'arn:aws', 'cause-detail']) {
      expect(serialised).not.toContain(fragment);
    }
  });

  it.each([
    ['a string', 'boom: password=hunter2'],
    ['undefined', undefined],
    ['null', null],
    ['an object', { message: 'password=hunter2', code: 'invalid_signature' }],
  ])('maps a thrown %s to 500', (_label, thrown) => {
    const result = toHttpError(thrown);
    expect(result).toEqual(internal);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  // Our own errors that are not the sender's doing are our bugs or misconfiguration: a 500
  // (so the sender retries) without the internal message.
  it.each([
    ['ConfigurationError', ConfigurationError],
    ['TransitionRejectedError', TransitionRejectedError],
    ['InjectedFaultError', InjectedFaultError],
    ['ProcessingError', ProcessingError],
  ] as const)('maps %s to 500 without its message', (_name, ErrorClass) => {
    const result = toHttpError(new ErrorClass('Missing required setting TABLE_NAME'));
    expect(result).toEqual(internal);
    expect(JSON.stringify(result)).not.toContain('TABLE_NAME');
  });

  it('does not trust a plain Error that merely carries a known code', () => {
    const impostor = Object.assign(new Error('leaky detail'), { code: 'invalid_signature' });
    expect(toHttpError(impostor)).toEqual(internal);
  });

  it('keeps the error class name out of the response', () => {
    const error: WebhookReceiverError = new ConfigurationError('x');
    expect(JSON.stringify(toHttpError(error))).not.toContain('ConfigurationError');
  });
});
