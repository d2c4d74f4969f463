import { describe, expect, it } from 'vitest';
import { parseFunctionName } from '../../../emulator/lambda-invoke-api.js';

// The FunctionName forms Lambda's Invoke accepts (its API reference), and what is not one.
describe('parseFunctionName', () => {
  it.each([
    ['my-function', { name: 'my-function' }],
    ['my-function:$LATEST', { name: 'my-function', qualifier: '$LATEST' }],
    ['my-function:live', { name: 'my-function', qualifier: 'live' }],
    ['000000000000:function:my-function', { name: 'my-function', accountId: '000000000000' }],
    [
      '000000000000:function:my-function:1',
      { name: 'my-function', accountId: '000000000000', qualifier: '1' },
    ],
    [
      'arn:aws:lambda:us-east-1:000000000000:function:my-function',
      { name: 'my-function', region: 'us-east-1', accountId: '000000000000' },
    ],
    [
      'arn:aws:lambda:us-east-1:000000000000:function:my-function:$LATEST',
      { name: 'my-function', region: 'us-east-1', accountId: '000000000000', qualifier: '$LATEST' },
    ],
  ])('%s', (value, expected) => {
    expect(parseFunctionName(value)).toEqual(expected);
  });

  it.each([
    '',
    'my function',
    'a'.repeat(65),
    'arn:aws:s3:::bucket',
    'arn:aws:lambda:us-east-1:000000000000:layer:x',
    'arn:aws:lambda:us-east-1:000000000000:function:f:1:extra',
    '12345:function:my-function',
    'a:b:c',
    'my-function:bad qualifier',
  ])('refuses %j', (value) => {
    expect(parseFunctionName(value)).toBeUndefined();
  });
});
