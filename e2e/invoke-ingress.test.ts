import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itCapturesThroughTheIngress } from './support/ingress-contract.js';
import { TARGET } from './support/target.js';
import { startTestStack, type TestStack } from './support/test-stack.js';

/*
 * The path LocalStack's free image needs, forced here on any target (E2E_INGRESS=invoke does the
 * same for every suite): no HTTP API, the capture function invoked through Lambda's Invoke API
 * (on the embedded target, the emulator's own, through the AWS SDK's LambdaClient) with the
 * event API Gateway would send, and its answer mapped back as API Gateway would.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ ingress: 'invoke' });
});
afterAll(async () => {
  await stack?.stop();
});

describe('webhooks through Lambda Invoke of the capture function, without the HTTP API', () => {
  it('invokes the function the CaptureFunctionName output names, not a URL', () => {
    expect(stack.ingress).toBe('invoke');
    // Only the invoke ingress can answer this "URL"; the network cannot.
    expect(stack.apiUrl).toMatch(/^lambda-invoke:\/\/\S+$/);
    if (TARGET.target === 'embedded') {
      const { CaptureFunctionName } = stack.emulator.outputs;
      expect(CaptureFunctionName).toMatch(/CaptureFunction/);
      expect(stack.apiUrl).toBe(`lambda-invoke://${CaptureFunctionName}`);
    }
  });

  itCapturesThroughTheIngress(() => stack);
});
