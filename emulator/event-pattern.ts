// EventBridge event patterns, as used by Lambda event source mapping FilterCriteria.
// Semantics follow the EventBridge docs and aws/event-ruler (the engine behind both): a record
// matches when every field named in the pattern matches; a leaf array matches when any of its
// values matches; arrays in the event match when any element does.

export type EventPattern = Record<string, unknown>;

type Scalar = string | number | boolean | null;
type Test = (value: Scalar) => boolean;
type Matcher = { exists: boolean } | { test: Test };
interface Leaf {
  kind: 'leaf';
  matchers: Matcher[];
}
interface Branch {
  kind: 'branch';
  fields: [string, Leaf | Branch][];
  anyOf: Branch[][];
}

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

const ANYTHING_BUT_OPERATORS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

const COMPARE = new Map<string, (a: number, b: number) => boolean>([
  ['=', (a, b) => a === b],
  ['<', (a, b) => a < b],
  ['<=', (a, b) => a <= b],
  ['>', (a, b) => a > b],
  ['>=', (a, b) => a >= b],
]);

export function parseEventPattern(json: string): EventPattern {
  let pattern: unknown;
  try {
    pattern = JSON.parse(json);
  } catch (error) {
    throw new Error(`Event pattern is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(pattern)) throw new Error('Event pattern must be a JSON object');
  compile(pattern);
  return pattern;
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchBranch(compile(pattern), event);
}

export function matchesAnyFilter(patterns: readonly EventPattern[], event: unknown): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesEventPattern(pattern, event));
}

// Lambda matches an SQS body as JSON when it parses as JSON, otherwise as a plain string. A body
// filter of the wrong shape then simply fails to match, which is how Lambda drops the message.
export function sqsFilterView(record: { body: string; [k: string]: unknown }): unknown {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return record;
  }
  return isObject(body) ? { ...record, body } : record;
}

// Patterns are validated once and the compiled form is reused for every record.
const compiled = new WeakMap<EventPattern, Branch>();

function compile(pattern: EventPattern): Branch {
  let branch = compiled.get(pattern);
  if (!branch) {
    if (!isObject(pattern)) throw new Error('Event pattern must be a JSON object');
    branch = compileBranch(pattern, [], false);
    compiled.set(pattern, branch);
  }
  return branch;
}

function compileBranch(pattern: Record<string, unknown>, path: string[], inOr: boolean): Branch {
  const entries = Object.entries(pattern);
  if (entries.length === 0) fail(path, 'empty objects are not allowed');
  const branch: Branch = { kind: 'branch', fields: [], anyOf: [] };
  for (const [key, value] of entries) {
    if (key === '$or') {
      branch.anyOf.push(compileOr(value, path));
      continue;
    }
    const at = [...path, key];
    // Inside $or an operator name as a field is almost certainly a misplaced operator.
    if (inOr && OPERATORS.has(key)) fail(at, `operator "${key}" cannot be a field name in $or`);
    if (Array.isArray(value)) branch.fields.push([key, compileLeaf(value, at)]);
    else if (isObject(value)) branch.fields.push([key, compileBranch(value, at, inOr)]);
    else fail(at, `a leaf must be an array of match values, got ${describe(value)}`);
  }
  return branch;
}

function compileOr(value: unknown, path: string[]): Branch[] {
  if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
    fail(path, '$or must be an array of at least two pattern objects');
  }
  return value.map((alternative) => compileBranch(alternative, path, true));
}

function compileLeaf(values: unknown[], path: string[]): Leaf {
  if (values.length === 0) fail(path, 'empty arrays are not allowed');
  const matchers = values.map((value): Matcher => {
    if (isScalar(value)) return { test: (v) => v === value };
    if (isObject(value)) return compileOperator(value, path);
    return fail(path, `match values must be strings, numbers, booleans, null or operator objects`);
  });
  return { kind: 'leaf', matchers };
}

function compileOperator(operator: Record<string, unknown>, path: string[]): Matcher {
  const keys = Object.keys(operator);
  const [name] = keys;
  if (name === undefined || keys.length > 1) {
    fail(path, `an operator object must have exactly one key, got ${describe(operator)}`);
  }
  const arg = operator[name];
  switch (name) {
    case 'prefix':
      return { test: affixTest(arg, path, name, (v, p) => v.startsWith(p)) };
    case 'suffix':
      return { test: affixTest(arg, path, name, (v, p) => v.endsWith(p)) };
    case 'equals-ignore-case':
      return { test: stringTest(requireString(arg, path, name), (v, s) => fold(v) === fold(s)) };
    case 'wildcard': {
      const regExp = wildcardRegExp(requireString(arg, path, name), path);
      return { test: (v) => typeof v === 'string' && regExp.test(v) };
    }
    case 'numeric':
      return { test: numericTest(arg, path) };
    case 'exists':
      if (typeof arg !== 'boolean') fail(path, `exists must be a boolean, got ${describe(arg)}`);
      return { exists: arg };
    case 'anything-but': {
      const excluded = anythingButTest(arg, path);
      return { test: (v) => !excluded(v) };
    }
    case 'cidr':
      return fail(path, 'cidr matching is not supported by this emulator');
    default:
      return fail(path, `unknown operator "${name}"`);
  }
}

function affixTest(
  arg: unknown,
  path: string[],
  name: string,
  has: (value: string, affix: string) => boolean,
): Test {
  if (typeof arg === 'string') return stringTest(arg, has);
  if (isObject(arg) && Object.keys(arg).length === 1 && 'equals-ignore-case' in arg) {
    const affix = fold(requireString(arg['equals-ignore-case'], path, 'equals-ignore-case'));
    return stringTest(affix, (v, a) => has(fold(v), a));
  }
  return fail(path, `${name} must be a string or { "equals-ignore-case": string }`);
}

function numericTest(arg: unknown, path: string[]): Test {
  const usage = 'numeric must look like ["<", 10], ["=", 5] or [">", 0, "<=", 5]';
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) fail(path, usage);
  const checks: ((n: number) => boolean)[] = [];
  for (let i = 0; i < arg.length; i += 2) {
    const compare = COMPARE.get(String(arg[i]));
    const bound: unknown = arg[i + 1];
    if (typeof arg[i] !== 'string' || !compare) {
      fail(path, `unknown numeric operator ${describe(arg[i])}`);
    }
    if (typeof bound !== 'number') fail(path, `numeric bound must be a number: ${describe(bound)}`);
    checks.push((n) => compare(n, bound));
  }
  // event-ruler only accepts a range written as a lower bound followed by an upper bound.
  if (arg.length === 4 && !(/^>=?$/.test(arg[0]) && /^<=?$/.test(arg[2]))) fail(path, usage);
  return (v) => typeof v === 'number' && checks.every((check) => check(v));
}

// Returns the test for the values anything-but excludes.
function anythingButTest(arg: unknown, path: string[]): Test {
  if (typeof arg === 'string' || typeof arg === 'number') return (v) => v === arg;
  if (Array.isArray(arg)) {
    const allStrings = arg.every((v) => typeof v === 'string');
    const allNumbers = arg.every((v) => typeof v === 'number');
    if (arg.length === 0 || !(allStrings || allNumbers)) {
      fail(path, 'anything-but list must be non-empty and all strings or all numbers');
    }
    const excluded = new Set<Scalar>(arg);
    return (v) => excluded.has(v);
  }
  if (isObject(arg) && Object.keys(arg).length === 1) {
    const [[name, value]] = Object.entries(arg) as [[string, unknown]];
    if (!ANYTHING_BUT_OPERATORS.has(name)) fail(path, `anything-but does not support "${name}"`);
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string')) {
      fail(path, `anything-but ${name} must be a string or a non-empty array of strings`);
    }
    const tests = list.map((s): Test => {
      if ((name === 'prefix' || name === 'suffix') && s === '') {
        fail(path, `anything-but ${name} must not be empty`);
      }
      if (name === 'prefix') return stringTest(s, (v, p) => v.startsWith(p));
      if (name === 'suffix') return stringTest(s, (v, p) => v.endsWith(p));
      if (name === 'equals-ignore-case') return stringTest(s, (v, t) => fold(v) === fold(t));
      const regExp = wildcardRegExp(s, path);
      return (v) => typeof v === 'string' && regExp.test(v);
    });
    return (v) => tests.some((test) => test(v));
  }
  return fail(path, 'anything-but must be a string, a number, a list of either, or an operator');
}

// "*" matches any run of characters; "\*" and "\\" are the only escapes; "**" is rejected.
function wildcardRegExp(pattern: string, path: string[]): RegExp {
  let source = '';
  let previousWasWildcard = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') {
      if (previousWasWildcard) fail(path, `wildcard "${pattern}" has consecutive "*"`);
      source += '[\\s\\S]*';
      previousWasWildcard = true;
      continue;
    }
    previousWasWildcard = false;
    if (char === '\\') {
      const escaped = pattern[++i];
      if (escaped !== '*' && escaped !== '\\') {
        fail(path, `wildcard "${pattern}" may only escape "*" or "\\" with a backslash`);
      }
      source += `\\${escaped}`;
    } else {
      source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

function matchBranch(branch: Branch, value: unknown): boolean {
  // Each array element is tried on its own so that fields matched together come from the same
  // element (event-ruler's "array-consistent" matching). An empty array has no fields at all.
  if (Array.isArray(value) && value.length > 0) {
    return value.some((element) => matchBranch(branch, element));
  }
  const object = isObject(value) ? value : undefined;
  return (
    branch.fields.every(([key, node]) => {
      const child = object && Object.hasOwn(object, key) ? object[key] : undefined;
      return node.kind === 'leaf' ? matchLeaf(node, child) : matchBranch(node, child);
    }) && branch.anyOf.every((alternatives) => alternatives.some((alt) => matchBranch(alt, object)))
  );
}

function matchLeaf(leaf: Leaf, value: unknown): boolean {
  const values = leafValues(value, []);
  return leaf.matchers.some((matcher) =>
    'exists' in matcher ? matcher.exists === values.length > 0 : values.some(matcher.test),
  );
}

// Only scalars are leaf values: an object-valued field does not "exist" as a leaf, which is why
// exists only works on leaf nodes.
function leafValues(value: unknown, out: Scalar[]): Scalar[] {
  if (Array.isArray(value)) for (const element of value) leafValues(element, out);
  else if (isScalar(value)) out.push(value);
  return out;
}

function stringTest(expected: string, test: (value: string, expected: string) => boolean): Test {
  return (v) => typeof v === 'string' && test(v, expected);
}

function requireString(value: unknown, path: string[], name: string): string {
  if (typeof value !== 'string') fail(path, `${name} must be a string, got ${describe(value)}`);
  return value;
}

function fold(value: string): string {
  return value.toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${kind} ${JSON.stringify(value)}`;
}

function fail(path: string[], message: string): never {
  const where = path.length > 0 ? ` at "${path.join('.')}"` : '';
  throw new Error(`Invalid event pattern${where}: ${message}`);
}
