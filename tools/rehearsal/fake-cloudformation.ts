import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stack as DescribeStacks reports it. */
export interface FakeStack {
  readonly name: string;
  readonly status: string;
  readonly outputs: Record<string, string>;
}

const xml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Just enough of CloudFormation's query API (DescribeStacks, XML answers, as AWS and LocalStack
 * send them) to test code that finds a deployed stack through its outputs, without an account.
 */
export async function startFakeCloudFormation(
  stacks: () => readonly FakeStack[],
): Promise<{ endpoint: string; requests: URLSearchParams[]; close: () => Promise<void> }> {
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const params = new URLSearchParams(body);
      requests.push(params);
      const stack = stacks().find((s) => s.name === params.get('StackName'));
      response.setHeader('content-type', 'text/xml');
      if (params.get('Action') !== 'DescribeStacks' || !stack) {
        response.statusCode = 400;
        response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${xml(params.get('StackName') ?? '')} does not exist</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
        );
        return;
      }
      const outputs = Object.entries(stack.outputs)
        .map(
          ([key, value]) =>
            `<member><OutputKey>${xml(key)}</OutputKey><OutputValue>${xml(value)}</OutputValue></member>`,
        )
        .join('');
      response.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${xml(stack.name)}</StackName><StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${xml(stack.name)}/fake</StackId><CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>${stack.status}</StackStatus><Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
