import { describe, expect, it } from 'vitest';
import {
  chooseIngress,
  openIngress,
  parseIngressSetting,
  usableApiUrl,
} from '../../../e2e/support/ingress.js';

/*
 * How the e2e suite decides between the HTTP API, the function URL and Lambda Invoke
 * (E2E_INGRESS, the stack's outputs). The LocalStack value is what its CloudFormation engine makes of the ApiUrl output
 * when it skips the unsupported AWS::ApiGatewayV2::Api (physical id "unknown", execute-api URL
 * rewritten to its own host); see docs/targets.md.
 */
const AWS_API = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/';
const LOCALSTACK_PLACEHOLDER = 'https://unknown.execute-api.localhost.localstack.cloud:4566/';
const FUNCTION = 'WebhookReceiver-CaptureFunctionA800B8CD-Xy12';
/** LocalStack's function URL form; AWS's is https://<url-id>.lambda-url.<region>.on.aws/. */
const LOCALSTACK_FUNCTION_URL =
  'http://a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6.lambda-url.us-east-1.localhost.localstack.cloud:4566/';

describe('parseIngressSetting (E2E_INGRESS)', () => {
  it.each([
    [undefined, 'auto'],
    ['', 'auto'],
    [' auto ', 'auto'],
    ['api', 'api'],
    ['function-url', 'function-url'],
    ['invoke', 'invoke'],
  ] as const)('%j is %s', (value, expected) => {
    expect(parseIngressSetting(value)).toBe(expected);
  });

  it('refuses anything else, naming the variable and the choices', () => {
    expect(() => parseIngressSetting('lambda')).toThrow(
      'E2E_INGRESS must be auto, api, function-url or invoke, not "lambda"',
    );
  });
});

describe('usableApiUrl', () => {
  it('accepts an http(s) URL, without its trailing slash', () => {
    expect(usableApiUrl(AWS_API)).toEqual({
      url: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
    });
    expect(usableApiUrl('http://127.0.0.1:3000')).toEqual({ url: 'http://127.0.0.1:3000' });
  });

  it.each([
    [undefined, /no ApiUrl output/],
    ['unknown', /is not a URL/],
    ['ftp://example.com', /not an http\(s\) URL/],
    [LOCALSTACK_PLACEHOLDER, /LocalStack's placeholder/],
  ])('refuses %j, saying why', (value, reason) => {
    const result = usableApiUrl(value);
    expect(result).not.toHaveProperty('url');
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});

describe('chooseIngress', () => {
  const withApi = { ApiUrl: AWS_API, CaptureFunctionName: FUNCTION };
  const freeLocalStack = { ApiUrl: LOCALSTACK_PLACEHOLDER, CaptureFunctionName: FUNCTION };
  /** The local profile on the free image: the HTTP API a placeholder, the function URL real. */
  const freeLocalStackWithUrl = { ...freeLocalStack, CaptureFunctionUrl: LOCALSTACK_FUNCTION_URL };
  const embedded = {
    ApiUrl: 'http://127.0.0.1:3000',
    CaptureFunctionUrl: 'http://127.0.0.1:3002/',
    CaptureFunctionName: FUNCTION,
  };

  describe('auto', () => {
    it('posts to the API when the stack has one', () => {
      expect(chooseIngress('auto', withApi, { target: 'aws' })).toEqual({
        ingress: 'api',
        apiUrl: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
      });
    });

    it('posts to the API when the stack has both an API and a function URL (embedded)', () => {
      expect(chooseIngress('auto', embedded, { target: 'embedded' })).toEqual({
        ingress: 'api',
        apiUrl: 'http://127.0.0.1:3000',
      });
    });

    it("posts to the function URL on LocalStack's free image, which has no API, saying why", () => {
      const choice = chooseIngress('auto', freeLocalStackWithUrl, { target: 'localstack' });
      expect(choice).toMatchObject({
        ingress: 'function-url',
        apiUrl: LOCALSTACK_FUNCTION_URL.replace(/\/$/, ''),
      });
      expect(choice.ingress === 'function-url' && choice.reason).toMatch(
        /LocalStack's placeholder/,
      );
    });

    it('invokes the capture function when the stack has neither an API nor a function URL', () => {
      const choice = chooseIngress('auto', freeLocalStack, { target: 'localstack' });
      expect(choice).toMatchObject({ ingress: 'invoke', functionName: FUNCTION });
      expect(choice.ingress === 'invoke' && choice.reason).toMatch(
        /LocalStack's placeholder.*no CaptureFunctionUrl output/,
      );
    });

    it('invokes it when the ApiUrl output is missing or not a URL', () => {
      for (const outputs of [{ CaptureFunctionName: FUNCTION }, { ...withApi, ApiUrl: 'x' }]) {
        expect(chooseIngress('auto', outputs, { target: 'localstack' })).toMatchObject({
          ingress: 'invoke',
          functionName: FUNCTION,
        });
      }
    });

    it('prefers E2E_API_URL over the output', () => {
      expect(
        chooseIngress('auto', freeLocalStack, {
          target: 'localstack',
          apiUrl: 'http://localhost:4566/restapis/x',
        }),
      ).toEqual({ ingress: 'api', apiUrl: 'http://localhost:4566/restapis/x' });
    });

    it('fails with every reason and the fix when there is no API, URL or function output', () => {
      expect(() =>
        chooseIngress('auto', { ApiUrl: LOCALSTACK_PLACEHOLDER }, { target: 'localstack' }),
      ).toThrow(
        /no CaptureFunctionName output on localstack.*, the ApiUrl output .* LocalStack's placeholder.*, and the stack has no CaptureFunctionUrl output\. Deploy the current stack again/,
      );
    });
  });

  describe('function-url', () => {
    it('posts to the function URL even when the stack has an API', () => {
      expect(chooseIngress('function-url', embedded, { target: 'embedded' })).toEqual({
        ingress: 'function-url',
        apiUrl: 'http://127.0.0.1:3002',
        reason: 'E2E_INGRESS=function-url',
      });
    });

    it('fails without a usable CaptureFunctionUrl output, naming the setting that adds one', () => {
      for (const outputs of [withApi, { ...withApi, CaptureFunctionUrl: 'not a url' }]) {
        expect(() => chooseIngress('function-url', outputs, { target: 'aws' })).toThrow(
          /E2E_INGRESS=function-url, but the (stack has no CaptureFunctionUrl output|CaptureFunctionUrl output "not a url" is not a URL) on aws\. .*STACK_INGRESS=function-url or both.*E2E_INGRESS=invoke/,
        );
      }
    });
  });

  describe('invoke', () => {
    it('invokes the function even when the stack has an API and a function URL', () => {
      expect(chooseIngress('invoke', embedded, { target: 'embedded' })).toMatchObject({
        ingress: 'invoke',
      });
      expect(chooseIngress('invoke', withApi, { target: 'aws' })).toEqual({
        ingress: 'invoke',
        functionName: FUNCTION,
        reason: 'E2E_INGRESS=invoke',
      });
    });

    it('fails without the CaptureFunctionName output', () => {
      expect(() => chooseIngress('invoke', { ApiUrl: AWS_API }, { target: 'aws' })).toThrow(
        /no CaptureFunctionName output on aws/,
      );
    });
  });

  describe('api', () => {
    it('posts to the API', () => {
      expect(chooseIngress('api', withApi, { target: 'aws' })).toMatchObject({ ingress: 'api' });
    });

    it('fails on the free image, even with a function URL, naming the licensed image and the other ingresses', () => {
      expect(() => chooseIngress('api', freeLocalStackWithUrl, { target: 'localstack' })).toThrow(
        /E2E_INGRESS=api, but the ApiUrl output .* placeholder .* on localstack\. .*LOCALSTACK_AUTH_TOKEN.*E2E_INGRESS=function-url or invoke/,
      );
    });
  });
});

describe('openIngress', () => {
  it('uses the network for the API', () => {
    const ingress = openIngress({ ingress: 'api', apiUrl: 'http://127.0.0.1:1' }, {});
    expect(ingress).toMatchObject({ ingress: 'api', apiUrl: 'http://127.0.0.1:1' });
    expect(ingress.fetch).toBe(globalThis.fetch);
    ingress.close();
  });

  it('uses the network for the function URL', () => {
    const ingress = openIngress(
      { ingress: 'function-url', apiUrl: 'http://127.0.0.1:2', reason: 'test' },
      {},
    );
    expect(ingress).toMatchObject({ ingress: 'function-url', apiUrl: 'http://127.0.0.1:2' });
    expect(ingress.fetch).toBe(globalThis.fetch);
    ingress.close();
  });

  it('names the function it invokes in place of a URL', () => {
    const ingress = openIngress(
      { ingress: 'invoke', functionName: FUNCTION, reason: 'test' },
      { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } },
    );
    expect(ingress.ingress).toBe('invoke');
    expect(ingress.apiUrl).toBe(`lambda-invoke://${FUNCTION}`);
    expect(ingress.fetch).not.toBe(globalThis.fetch);
    ingress.close();
  });
});
