import { describe, expect, it } from 'vitest';
import {
  type EventPattern,
  matchesAnyFilter,
  matchesEventPattern,
  parseEventPattern,
  sqsFilterView,
} from '../../../emulator/event-pattern.js';

const matches = (pattern: string, event: unknown) =>
  matchesEventPattern(parseEventPattern(pattern), event);

// A DynamoDB stream record as Lambda delivers it (NEW_AND_OLD_IMAGES).
function streamRecord(eventName: string, sk: string, extra: Record<string, unknown> = {}) {
  const keys = { PK: { S: 'DELIVERY#evt_123' }, SK: { S: sk } };
  const image = { ...keys, status: { S: 'received' }, attempts: { N: '0' } };
  return {
    eventID: 'c4ca4238a0b923820dcc509a6f75849b',
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1_717_000_000,
      Keys: keys,
      ...(eventName === 'INSERT' ? {} : { OldImage: image }),
      ...(eventName === 'REMOVE' ? {} : { NewImage: image }),
      SequenceNumber: '4421584500000000017450439091',
      SizeBytes: 120,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:123456789012:table/webhooks/stream/2024-05-29T00:00:00.000',
    ...extra,
  };
}

describe('the project webhook filter', () => {
  const filter = '{"eventName":["INSERT"],"dynamodb":{"Keys":{"SK":{"S":["WEBHOOK"]}}}}';
  const pattern = parseEventPattern(filter);

  it('matches the INSERT of a WEBHOOK item', () => {
    expect(matchesEventPattern(pattern, streamRecord('INSERT', 'WEBHOOK'))).toBe(true);
  });

  it('rejects the INSERT of a STATUS item', () => {
    expect(matchesEventPattern(pattern, streamRecord('INSERT', 'STATUS'))).toBe(false);
  });

  it('rejects MODIFY and REMOVE of a WEBHOOK item', () => {
    expect(matchesEventPattern(pattern, streamRecord('MODIFY', 'WEBHOOK'))).toBe(false);
    expect(matchesEventPattern(pattern, streamRecord('REMOVE', 'WEBHOOK'))).toBe(false);
  });

  it('rejects TTL deletions, whatever their eventName', () => {
    const ttl = { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };
    expect(matchesEventPattern(pattern, streamRecord('REMOVE', 'WEBHOOK', ttl))).toBe(false);
    expect(matchesEventPattern(pattern, streamRecord('TTL_EXPIRY', 'WEBHOOK', ttl))).toBe(false);
  });

  it('rejects records without the key or with a differently typed key', () => {
    const record = streamRecord('INSERT', 'WEBHOOK');
    expect(matchesEventPattern(pattern, { ...record, dynamodb: { Keys: {} } })).toBe(false);
    expect(matchesEventPattern(pattern, { ...record, dynamodb: undefined })).toBe(false);
    const numericSk = { Keys: { SK: { N: 'WEBHOOK' } } };
    expect(matchesEventPattern(pattern, { ...record, dynamodb: numericSk })).toBe(false);
  });

  it('is case-sensitive on values', () => {
    expect(matchesEventPattern(pattern, streamRecord('insert', 'WEBHOOK'))).toBe(false);
    expect(matchesEventPattern(pattern, streamRecord('INSERT', 'webhook'))).toBe(false);
  });
});

describe('matchesAnyFilter', () => {
  const insert = parseEventPattern('{"eventName":["INSERT"]}');
  const remove = parseEventPattern('{"eventName":["REMOVE"]}');

  it('passes everything when there are no filters', () => {
    expect(matchesAnyFilter([], streamRecord('MODIFY', 'WEBHOOK'))).toBe(true);
  });

  it('ORs the filters', () => {
    expect(matchesAnyFilter([insert, remove], streamRecord('INSERT', 'X'))).toBe(true);
    expect(matchesAnyFilter([insert, remove], streamRecord('REMOVE', 'X'))).toBe(true);
    expect(matchesAnyFilter([insert, remove], streamRecord('MODIFY', 'X'))).toBe(false);
  });
});

describe('literal values', () => {
  it('needs every field in the pattern (AND) and any value in a leaf (OR)', () => {
    const pattern = '{"a":["x","y"],"b":["z"]}';
    expect(matches(pattern, { a: 'y', b: 'z', c: 'ignored' })).toBe(true);
    expect(matches(pattern, { a: 'y' })).toBe(false);
    expect(matches(pattern, { a: 'w', b: 'z' })).toBe(false);
  });

  it('matches nested fields by their path', () => {
    const pattern = '{"detail":{"state":["running"]}}';
    expect(matches(pattern, { detail: { state: 'running', id: 1 } })).toBe(true);
    expect(matches(pattern, { state: 'running' })).toBe(false);
    expect(matches(pattern, { detail: 'running' })).toBe(false);
  });

  it('compares numbers numerically and never equal to strings', () => {
    expect(matches('{"n":[300]}', JSON.parse('{"n":300.0}'))).toBe(true);
    expect(matches('{"n":[3.0e2]}', { n: 300 })).toBe(true);
    expect(matches('{"n":[300]}', { n: '300' })).toBe(false);
    expect(matches('{"n":["300"]}', { n: 300 })).toBe(false);
  });

  it('matches booleans, null and empty strings exactly', () => {
    expect(matches('{"b":[true]}', { b: true })).toBe(true);
    expect(matches('{"b":[true]}', { b: 'true' })).toBe(false);
    expect(matches('{"v":[null]}', { v: null })).toBe(true);
    expect(matches('{"v":[null]}', { v: '' })).toBe(false);
    expect(matches('{"v":[null]}', {})).toBe(false);
    expect(matches('{"v":[""]}', { v: '' })).toBe(true);
    expect(matches('{"v":[""]}', { v: null })).toBe(false);
  });

  it('does not see inherited properties as fields', () => {
    expect(matches('{"constructor":{"name":["Object"]}}', {})).toBe(false);
    expect(matches('{"toString":[{"exists":true}]}', {})).toBe(false);
  });
});

describe('arrays in the event', () => {
  it('matches a leaf when any array element matches', () => {
    const pattern = '{"resources":["arn:b","arn:z"]}';
    expect(matches(pattern, { resources: ['arn:a', 'arn:b'] })).toBe(true);
    expect(matches(pattern, { resources: ['arn:a', ['arn:z']] })).toBe(true);
    expect(matches(pattern, { resources: ['arn:a'] })).toBe(false);
    expect(matches(pattern, { resources: [] })).toBe(false);
  });

  it('looks through arrays of objects', () => {
    const event = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        [{ firstName: 'Peter', lastName: 'Jones' }],
      ],
    };
    expect(matches('{"employees":{"firstName":["Anna"]}}', event)).toBe(true);
    expect(matches('{"employees":{"firstName":["Peter"]}}', event)).toBe(true);
    expect(matches('{"employees":{"firstName":["Anna"],"lastName":["Smith"]}}', event)).toBe(true);
  });

  it('keeps fields matched together within one array element', () => {
    const event = {
      employees: [
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matches('{"employees":{"firstName":["Anna"],"lastName":["Jones"]}}', event)).toBe(false);
  });
});

describe('prefix and suffix', () => {
  it('matches string prefixes only', () => {
    const pattern = '{"time":[{"prefix":"2017-10-02"}]}';
    expect(matches(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matches(pattern, { time: '2017-10-03T00:00:00Z' })).toBe(false);
    expect(matches('{"n":[{"prefix":"12"}]}', { n: 123 })).toBe(false);
  });

  it('matches string suffixes only', () => {
    const pattern = '{"file":[{"suffix":".png"}]}';
    expect(matches(pattern, { file: 'a/b.png' })).toBe(true);
    expect(matches(pattern, { file: 'a/b.PNG' })).toBe(false);
    expect(matches(pattern, { file: ['x.jpg', 'y.png'] })).toBe(true);
  });

  it('supports equals-ignore-case inside prefix and suffix', () => {
    expect(
      matches('{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}', { s: 'eventbridge' }),
    ).toBe(true);
    expect(matches('{"s":[{"suffix":{"equals-ignore-case":".png"}}]}', { s: 'A.PNG' })).toBe(true);
    expect(matches('{"s":[{"suffix":{"equals-ignore-case":".png"}}]}', { s: 'A.JPG' })).toBe(false);
  });
});

describe('equals-ignore-case', () => {
  it('matches strings regardless of case', () => {
    const pattern = '{"name":[{"equals-ignore-case":"alice"}]}';
    expect(matches(pattern, { name: 'ALICE' })).toBe(true);
    expect(matches(pattern, { name: 'Alicia' })).toBe(false);
    expect(matches(pattern, {})).toBe(false);
  });
});

describe('anything-but', () => {
  it('excludes a single string or number', () => {
    expect(matches('{"s":[{"anything-but":"initializing"}]}', { s: 'running' })).toBe(true);
    expect(matches('{"s":[{"anything-but":"initializing"}]}', { s: 'initializing' })).toBe(false);
    expect(matches('{"n":[{"anything-but":123}]}', { n: 124 })).toBe(true);
    expect(matches('{"n":[{"anything-but":123}]}', { n: 123 })).toBe(false);
  });

  it('excludes a list of values', () => {
    const pattern = '{"s":[{"anything-but":["stopped","overloaded"]}]}';
    expect(matches(pattern, { s: 'running' })).toBe(true);
    expect(matches(pattern, { s: 'stopped' })).toBe(false);
    expect(matches('{"n":[{"anything-but":[100,200]}]}', { n: 200 })).toBe(false);
  });

  it('does not match an absent field', () => {
    expect(matches('{"s":[{"anything-but":"initializing"}]}', {})).toBe(false);
    expect(matches('{"s":[{"anything-but":"initializing"}]}', { s: { nested: 'x' } })).toBe(false);
  });

  it('matches an event array when any element is not excluded', () => {
    const pattern = '{"s":[{"anything-but":"a"}]}';
    expect(matches(pattern, { s: ['a', 'b'] })).toBe(true);
    expect(matches(pattern, { s: ['a', 'a'] })).toBe(false);
  });

  it('excludes prefixes, suffixes, case-insensitive values and wildcards', () => {
    expect(matches('{"r":[{"anything-but":{"prefix":"us-"}}]}', { r: 'eu-west-1' })).toBe(true);
    expect(matches('{"r":[{"anything-but":{"prefix":"us-"}}]}', { r: 'us-east-1' })).toBe(false);
    expect(matches('{"f":[{"anything-but":{"suffix":".png"}}]}', { f: 'a.png' })).toBe(false);
    const ignoreCase = '{"s":[{"anything-but":{"equals-ignore-case":["Stopped","Failed"]}}]}';
    expect(matches(ignoreCase, { s: 'FAILED' })).toBe(false);
    expect(matches(ignoreCase, { s: 'running' })).toBe(true);
    const wildcard = '{"p":[{"anything-but":{"wildcard":"*/lib/*"}}]}';
    expect(matches(wildcard, { p: '/usr/lib/x' })).toBe(false);
    expect(matches(wildcard, { p: '/usr/bin/x' })).toBe(true);
  });
});

describe('exists', () => {
  it('exists:true needs a leaf value, null included', () => {
    const pattern = '{"detail":{"c":[{"exists":true}]}}';
    expect(matches(pattern, { detail: { c: 5 } })).toBe(true);
    expect(matches(pattern, { detail: { c: null } })).toBe(true);
    expect(matches(pattern, { detail: {} })).toBe(false);
    expect(matches(pattern, {})).toBe(false);
  });

  it('exists:false matches when the field is absent', () => {
    const pattern = '{"detail":{"c":[{"exists":false}]}}';
    expect(matches(pattern, { detail: { other: 1 } })).toBe(true);
    expect(matches(pattern, {})).toBe(true);
    expect(matches(pattern, { detail: { c: 0 } })).toBe(false);
    expect(matches(pattern, { detail: { c: [1] } })).toBe(false);
  });

  it('only works on leaves: an object-valued field does not exist as a leaf', () => {
    const event = { detail: { c: { c1: 100 } } };
    expect(matches('{"detail":{"c":[{"exists":false}]}}', event)).toBe(true);
    expect(matches('{"detail":{"c":[{"exists":true}]}}', event)).toBe(false);
    // DynamoDB attributes are { S: ... } objects, so exists must name the type key.
    const record = streamRecord('INSERT', 'WEBHOOK');
    expect(matches('{"dynamodb":{"NewImage":{"status":[{"exists":true}]}}}', record)).toBe(false);
    expect(matches('{"dynamodb":{"NewImage":{"status":{"S":[{"exists":true}]}}}}', record)).toBe(
      true,
    );
  });

  it('combines with other values in the same leaf', () => {
    const pattern = '{"v":["a",{"exists":false}]}';
    expect(matches(pattern, {})).toBe(true);
    expect(matches(pattern, { v: 'a' })).toBe(true);
    expect(matches(pattern, { v: 'b' })).toBe(false);
  });
});

describe('numeric', () => {
  it('matches ranges with open and closed bounds', () => {
    const pattern = '{"c":[{"numeric":[">",0,"<=",5]}]}';
    expect(matches(pattern, { c: 5 })).toBe(true);
    expect(matches(pattern, { c: 0.5 })).toBe(true);
    expect(matches(pattern, { c: 0 })).toBe(false);
    expect(matches(pattern, { c: 5.01 })).toBe(false);
    expect(matches('{"c":[{"numeric":[">=",0,"<",5]}]}', { c: 0 })).toBe(true);
    expect(matches('{"c":[{"numeric":[">=",0,"<",5]}]}', { c: 5 })).toBe(false);
  });

  it('matches single comparisons and equality', () => {
    expect(matches('{"d":[{"numeric":["<",10]}]}', { d: -3 })).toBe(true);
    expect(matches('{"d":[{"numeric":["<",10]}]}', { d: 10 })).toBe(false);
    expect(matches('{"x":[{"numeric":["=",3.018e2]}]}', { x: 301.8 })).toBe(true);
    expect(matches('{"x":[{"numeric":[">=",3]}]}', { x: [1, 4] })).toBe(true);
  });

  it('only matches JSON numbers, so not DynamoDB N strings', () => {
    expect(matches('{"c":[{"numeric":[">",0]}]}', { c: '5' })).toBe(false);
    expect(matches('{"c":[{"numeric":[">",0]}]}', {})).toBe(false);
  });
});

describe('wildcard', () => {
  it('matches any run of characters at each *', () => {
    const pattern = '{"src":[{"wildcard":"Simple*Service"}]}';
    expect(matches(pattern, { src: 'SimpleQueueService' })).toBe(true);
    expect(matches(pattern, { src: 'SimpleService' })).toBe(true);
    expect(matches(pattern, { src: 'SimpleQueueServices' })).toBe(false);
    expect(matches('{"k":[{"wildcard":"a*b*c"}]}', { k: 'a.1b(2)c' })).toBe(true);
    expect(matches('{"k":[{"wildcard":"*"}]}', { k: 5 })).toBe(false);
  });

  it('treats regex characters literally and honours escapes', () => {
    expect(matches('{"k":[{"wildcard":"a.b*"}]}', { k: 'axb' })).toBe(false);
    expect(matches('{"k":[{"wildcard":"a\\\\*b"}]}', { k: 'a*b' })).toBe(true);
    expect(matches('{"k":[{"wildcard":"a\\\\*b"}]}', { k: 'axb' })).toBe(false);
    expect(matches('{"k":[{"wildcard":"a\\\\\\\\*"}]}', { k: 'a\\bc' })).toBe(true);
  });
});

describe('$or', () => {
  it('needs any alternative at the top level, ANDed with the other fields', () => {
    const pattern = parseEventPattern(
      '{"source":["cw"],"$or":[{"metric":["CPU"]},{"namespace":["EC2"],"scope":["x"]}]}',
    );
    expect(matchesEventPattern(pattern, { source: 'cw', metric: 'CPU' })).toBe(true);
    expect(matchesEventPattern(pattern, { source: 'cw', namespace: 'EC2', scope: 'x' })).toBe(true);
    expect(matchesEventPattern(pattern, { source: 'cw', namespace: 'EC2' })).toBe(false);
    expect(matchesEventPattern(pattern, { source: 'other', metric: 'CPU' })).toBe(false);
  });

  it('works inside nested objects and alongside other $or groups', () => {
    const pattern = parseEventPattern(
      '{"$or":[{"a":["1"]},{"b":["2"]}],"detail":{"$or":[{"c":["3"]},{"d":[{"exists":false}]}]}}',
    );
    expect(matchesEventPattern(pattern, { a: '1', detail: { c: '3' } })).toBe(true);
    expect(matchesEventPattern(pattern, { b: '2', detail: {} })).toBe(true);
    expect(matchesEventPattern(pattern, { b: '2', detail: { d: 1 } })).toBe(false);
    expect(matchesEventPattern(pattern, { detail: { c: '3' } })).toBe(false);
  });

  it('nests', () => {
    const pattern = parseEventPattern(
      '{"$or":[{"a":["1"]},{"b":["2"],"$or":[{"c":["3"]},{"d":["4"]}]}]}',
    );
    expect(matchesEventPattern(pattern, { b: '2', d: '4' })).toBe(true);
    expect(matchesEventPattern(pattern, { b: '2' })).toBe(false);
  });
});

describe('sqsFilterView', () => {
  const message = (body: string) => ({
    messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
    body,
    attributes: { ApproximateReceiveCount: '1' },
    eventSource: 'aws:sqs',
  });

  it('parses a JSON object body without touching the record', () => {
    const record = message('{"RequestCode":"BBBB","n":3}');
    expect(sqsFilterView(record)).toEqual({ ...record, body: { RequestCode: 'BBBB', n: 3 } });
    expect(record.body).toBe('{"RequestCode":"BBBB","n":3}');
  });

  it('leaves plain-string and non-object JSON bodies as strings', () => {
    expect(sqsFilterView(message('hello'))).toEqual(message('hello'));
    expect(sqsFilterView(message('{"broken"'))).toEqual(message('{"broken"'));
    expect(sqsFilterView(message('123'))).toEqual(message('123'));
  });

  it('lets body filters match only bodies of the same format, as Lambda does', () => {
    const jsonFilter = '{"body":{"RequestCode":["BBBB"]}}';
    const stringFilter = '{"body":["BBBB"]}';
    const jsonBody = sqsFilterView(message('{"RequestCode":"BBBB"}'));
    const stringBody = sqsFilterView(message('BBBB'));
    expect(matches(jsonFilter, jsonBody)).toBe(true);
    expect(matches(stringFilter, stringBody)).toBe(true);
    expect(matches(jsonFilter, stringBody)).toBe(false);
    expect(matches(stringFilter, jsonBody)).toBe(false);
    expect(matches('{"body":{"RequestCode":["AAAA"]}}', jsonBody)).toBe(false);
  });
});

describe('invalid patterns', () => {
  const rejects = (pattern: string, message: RegExp) =>
    expect(() => parseEventPattern(pattern)).toThrow(message);

  it('rejects invalid JSON and non-object patterns', () => {
    rejects('{"a":', /not valid JSON/);
    rejects('["a"]', /must be a JSON object/);
    rejects('"a"', /must be a JSON object/);
    rejects('null', /must be a JSON object/);
  });

  it('requires leaves to be non-empty arrays of values', () => {
    rejects('{"eventName":"INSERT"}', /at "eventName": a leaf must be an array/);
    rejects('{"dynamodb":{"Keys":{"SK":{"S":"WEBHOOK"}}}}', /at "dynamodb\.Keys\.SK\.S"/);
    rejects('{"a":5}', /a leaf must be an array/);
    rejects('{"a":null}', /a leaf must be an array/);
    rejects('{"a":[]}', /at "a": empty arrays are not allowed/);
    rejects('{"a":[["x"]]}', /match values must be/);
    rejects('{}', /empty objects are not allowed/);
    rejects('{"a":{}}', /at "a": empty objects are not allowed/);
  });

  it('rejects unknown or malformed operators', () => {
    rejects('{"a":[{"contains":"x"}]}', /unknown operator "contains"/);
    rejects('{"a":[{"prefix":"x","suffix":"y"}]}', /exactly one key/);
    rejects('{"a":[{}]}', /exactly one key/);
    rejects('{"a":[{"prefix":5}]}', /prefix must be a string/);
    rejects('{"a":[{"prefix":{"wildcard":"x"}}]}', /prefix must be a string/);
    rejects('{"a":[{"equals-ignore-case":["x"]}]}', /equals-ignore-case must be a string/);
    rejects('{"a":[{"exists":"true"}]}', /exists must be a boolean/);
    rejects('{"a":[{"cidr":"10.0.0.0/24"}]}', /cidr matching is not supported/);
  });

  it('rejects malformed numeric expressions', () => {
    rejects('{"a":[{"numeric":">"}]}', /numeric must look like/);
    rejects('{"a":[{"numeric":[">"]}]}', /numeric must look like/);
    rejects('{"a":[{"numeric":["!=",1]}]}', /unknown numeric operator/);
    rejects('{"a":[{"numeric":[">","1"]}]}', /numeric bound must be a number/);
    rejects('{"a":[{"numeric":["<",5,">",0]}]}', /numeric must look like/);
    rejects('{"a":[{"numeric":["=",1,"<",5]}]}', /numeric must look like/);
    rejects('{"a":[{"numeric":[">",0,"<",5,"<",6]}]}', /numeric must look like/);
  });

  it('rejects malformed anything-but expressions', () => {
    rejects('{"a":[{"anything-but":[]}]}', /anything-but list must be non-empty/);
    rejects('{"a":[{"anything-but":["x",1]}]}', /all strings or all numbers/);
    rejects('{"a":[{"anything-but":true}]}', /anything-but must be/);
    rejects('{"a":[{"anything-but":null}]}', /anything-but must be/);
    rejects('{"a":[{"anything-but":{"numeric":[">",1]}}]}', /does not support "numeric"/);
    rejects('{"a":[{"anything-but":{"prefix":""}}]}', /must not be empty/);
    rejects('{"a":[{"anything-but":{"suffix":[1]}}]}', /non-empty array of strings/);
  });

  it('rejects malformed wildcards', () => {
    rejects('{"a":[{"wildcard":"a**b"}]}', /consecutive/);
    rejects('{"a":[{"wildcard":"a\\\\b"}]}', /may only escape/);
    rejects('{"a":[{"wildcard":"a\\\\"}]}', /may only escape/);
  });

  it('rejects malformed $or', () => {
    rejects('{"$or":[{"a":["1"]}]}', /\$or must be an array of at least two/);
    rejects('{"$or":{"a":["1"]}}', /\$or must be an array/);
    rejects('{"$or":[{"a":["1"]},"b"]}', /\$or must be an array/);
    rejects('{"$or":[{"prefix":["x"]},{"a":["1"]}]}', /operator "prefix" cannot be a field/);
  });

  it('validates patterns that were not built with parseEventPattern', () => {
    const pattern: EventPattern = { eventName: 'INSERT' };
    expect(() => matchesEventPattern(pattern, {})).toThrow(/a leaf must be an array/);
    expect(() => matchesAnyFilter([pattern], {})).toThrow(/a leaf must be an array/);
  });
});
