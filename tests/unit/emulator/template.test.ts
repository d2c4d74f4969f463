// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Fn::Sub uses CloudFormation's ${}.
import { describe, expect, it } from 'vitest';
import {
  type CfnTemplate,
  type PhysicalResource,
  physicalName,
  type ResolveContext,
  resolveString,
  resolveValue,
  resourcesOfType,
  TemplateResolutionError,
} from '../../../emulator/template.js';

const QUEUE_URL = 'http://127.0.0.1:9324/000000000000/stack-FailedQueue';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:000000000000:stack-FailedQueue';
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:000000000000:table/stack-Table';
const STREAM_ARN = `${TABLE_ARN}/stream/2025-01-01T00:00:00.000`;

const resources = new Map<string, PhysicalResource>([
  ['FailedQueue', { ref: QUEUE_URL, attributes: { Arn: QUEUE_ARN, QueueName: 'stack-Failed' } }],
  ['Table', { ref: 'stack-Table', attributes: { Arn: TABLE_ARN, StreamArn: STREAM_ARN } }],
]);

const context: ResolveContext = {
  region: 'eu-west-1',
  accountId: '000000000000',
  stackName: 'WebhookStack',
  resources,
};

const resolve = (value: unknown) => resolveValue(value, context);

describe('resolveValue: literals and containers', () => {
  it.each([['text'], [42], [true], [null], [undefined]])('returns %j unchanged', (value) => {
    expect(resolve(value)).toBe(value);
  });

  it('resolves inside arrays and objects, keeping non-intrinsic keys', () => {
    expect(
      resolve({
        TableName: { Ref: 'Table' },
        Nested: [{ Arn: { 'Fn::GetAtt': ['Table', 'Arn'] } }, 'plain'],
      }),
    ).toEqual({ TableName: 'stack-Table', Nested: [{ Arn: TABLE_ARN }, 'plain'] });
  });

  it('does not treat an object with an intrinsic key plus other keys as an intrinsic', () => {
    expect(resolve({ Ref: 'Table', Other: 'x' })).toEqual({ Ref: 'Table', Other: 'x' });
  });

  it('does not mutate its input', () => {
    const input = { A: { Ref: 'Table' } };
    resolve(input);
    expect(input).toEqual({ A: { Ref: 'Table' } });
  });
});

describe('resolveValue: Ref', () => {
  it('resolves a provisioned resource to its ref', () => {
    expect(resolve({ Ref: 'FailedQueue' })).toBe(QUEUE_URL);
  });

  it.each([
    ['AWS::Region', 'eu-west-1'],
    ['AWS::AccountId', '000000000000'],
    ['AWS::StackName', 'WebhookStack'],
    ['AWS::Partition', 'aws'],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::NoValue', ''],
  ])('resolves the pseudo parameter %s', (name, expected) => {
    expect(resolve({ Ref: name })).toBe(expected);
  });

  it('throws TemplateResolutionError naming an unknown resource', () => {
    expect(() => resolve({ Ref: 'Missing' })).toThrow(TemplateResolutionError);
    expect(() => resolve({ Ref: 'Missing' })).toThrow(/Missing/);
  });

  it('throws for an unknown pseudo parameter', () => {
    expect(() => resolve({ Ref: 'AWS::NotificationARNs' })).toThrow(TemplateResolutionError);
  });
});

describe('resolveValue: Fn::GetAtt', () => {
  it('resolves the array form', () => {
    expect(resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe(STREAM_ARN);
  });

  it('resolves the dotted string form', () => {
    expect(resolve({ 'Fn::GetAtt': 'FailedQueue.Arn' })).toBe(QUEUE_ARN);
  });

  it('throws TemplateResolutionError for an unknown attribute, naming it', () => {
    const read = () => resolve({ 'Fn::GetAtt': ['Table', 'StreamLabel'] });
    expect(read).toThrow(TemplateResolutionError);
    expect(read).toThrow('Table.StreamLabel');
  });

  it('throws TemplateResolutionError for an unknown resource', () => {
    expect(() => resolve({ 'Fn::GetAtt': ['Nope', 'Arn'] })).toThrow(TemplateResolutionError);
  });
});

describe('resolveValue: Fn::Join', () => {
  it('joins resolved parts with the separator', () => {
    expect(resolve({ 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'sqs', 7]] })).toBe(
      'arn:aws:sqs:7',
    );
  });

  it('joins with an empty separator', () => {
    expect(resolve({ 'Fn::Join': ['', [{ Ref: 'Table' }, '-', { Ref: 'AWS::Region' }]] })).toBe(
      'stack-Table-eu-west-1',
    );
  });

  it('joins an empty list to the empty string', () => {
    expect(resolve({ 'Fn::Join': [',', []] })).toBe('');
  });
});

describe('resolveValue: Fn::Sub', () => {
  it('returns a string without variables as is', () => {
    expect(resolve({ 'Fn::Sub': 'no variables here' })).toBe('no variables here');
  });

  it('substitutes pseudo parameters and resource refs', () => {
    expect(
      resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${AWS::StackName}-${Table}-bucket' }),
    ).toBe('arn:aws:s3:::WebhookStack-stack-Table-bucket');
  });

  it('substitutes ${Resource.Attribute} with the attribute', () => {
    expect(resolve({ 'Fn::Sub': '${Table.StreamArn}|${FailedQueue.Arn}' })).toBe(
      `${STREAM_ARN}|${QUEUE_ARN}`,
    );
  });

  it('substitutes explicit variables, which may themselves be intrinsics', () => {
    expect(
      resolve({
        'Fn::Sub': [
          '${Prefix}/${Url}/${AWS::Region}',
          { Prefix: 'literal', Url: { Ref: 'FailedQueue' } },
        ],
      }),
    ).toBe(`literal/${QUEUE_URL}/eu-west-1`);
  });

  it('prefers an explicit variable over a resource of the same name', () => {
    expect(resolve({ 'Fn::Sub': ['${Table}', { Table: 'shadowed' }] })).toBe('shadowed');
  });

  it('throws TemplateResolutionError for an unknown name', () => {
    expect(() => resolve({ 'Fn::Sub': 'x-${Unknown}' })).toThrow(TemplateResolutionError);
  });

  it('throws TemplateResolutionError for an unknown attribute', () => {
    expect(() => resolve({ 'Fn::Sub': '${Table.Nope}' })).toThrow(TemplateResolutionError);
  });
});

describe('resolveValue: Fn::Select and Fn::Split', () => {
  it('selects by index from a literal list', () => {
    expect(resolve({ 'Fn::Select': [1, ['a', 'b', 'c']] })).toBe('b');
  });

  it('selects with a string index, as templates often write it', () => {
    expect(resolve({ 'Fn::Select': ['2', ['a', 'b', 'c']] })).toBe('c');
  });

  it('splits a resolved string', () => {
    expect(resolve({ 'Fn::Split': [':', { 'Fn::GetAtt': ['FailedQueue', 'Arn'] }] })).toEqual([
      'arn',
      'aws',
      'sqs',
      'eu-west-1',
      '000000000000',
      'stack-FailedQueue',
    ]);
  });

  it('resolves nested intrinsics: the queue name out of its ARN', () => {
    // CDK writes exactly this to get a queue's name from its ARN.
    expect(
      resolve({
        'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::GetAtt': ['FailedQueue', 'Arn'] }] }],
      }),
    ).toBe('stack-FailedQueue');
  });

  it('resolves deeply nested intrinsics', () => {
    expect(
      resolve({
        'Fn::Join': [
          '/',
          [
            { 'Fn::Select': [0, { 'Fn::Split': ['/', { 'Fn::Sub': '${Table.Arn}' }] }] },
            { 'Fn::Sub': ['${Q}', { Q: { 'Fn::Select': [0, [{ Ref: 'AWS::AccountId' }]] } }] },
          ],
        ],
      }),
    ).toBe('arn:aws:dynamodb:eu-west-1:000000000000:table/000000000000');
  });
});

describe('resolveString', () => {
  it('returns a resolved string, and a number as a string', () => {
    expect(resolveString({ Ref: 'Table' }, context)).toBe('stack-Table');
    expect(resolveString(30, context)).toBe('30');
  });

  it('throws TemplateResolutionError when the value is not a string', () => {
    expect(() => resolveString({ 'Fn::Split': [',', 'a,b'] }, context)).toThrow(
      TemplateResolutionError,
    );
  });
});

describe('resourcesOfType', () => {
  const template: CfnTemplate = {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table' },
      QueueA: { Type: 'AWS::SQS::Queue' },
      Topic: { Type: 'AWS::SNS::Topic' },
      QueueB: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 30 } },
    },
  };

  it('returns [logicalId, resource] pairs of that type, in template order', () => {
    expect(resourcesOfType(template, 'AWS::SQS::Queue')).toEqual([
      ['QueueA', { Type: 'AWS::SQS::Queue' }],
      ['QueueB', { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 30 } }],
    ]);
  });

  it('matches the type exactly', () => {
    expect(resourcesOfType(template, 'AWS::SQS::QueuePolicy')).toEqual([]);
    expect(resourcesOfType(template, 'aws::sqs::queue')).toEqual([]);
  });
});

describe('physicalName', () => {
  it('is <stack>-<logicalId>', () => {
    expect(physicalName('WebhookStack', 'FailedQueue')).toBe('WebhookStack-FailedQueue');
  });

  it('is capped at 80 characters by default', () => {
    const name = physicalName('S'.repeat(50), 'L'.repeat(50));
    expect(name).toHaveLength(80);
    expect(name).toBe(`${'S'.repeat(50)}-${'L'.repeat(29)}`);
  });

  it('honours a smaller cap, as for names with a lower AWS limit', () => {
    expect(physicalName('WebhookStack', 'OperatorTopic', 16)).toBe('WebhookStack-Ope');
  });

  it('is stable: the same inputs give the same name', () => {
    expect(physicalName('A', 'B')).toBe(physicalName('A', 'B'));
  });
});
