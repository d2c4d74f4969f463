/*
 * Reading the synthesized CloudFormation template: the emulator's only source of what to
 * provision and wire. Nothing here knows this project's resources by name.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/** Resources of one type, as [logicalId, resource] pairs, in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** What a Ref or Fn::GetAtt of a provisioned resource resolves to. */
export interface PhysicalResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  readonly resources: ReadonlyMap<string, PhysicalResource>;
}

export class TemplateResolutionError extends Error {
  override readonly name = 'TemplateResolutionError';
}

/** Resolves the intrinsic functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split). */
export function resolveValue(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, context));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    switch (key) {
      case 'Ref':
        return resolveRef(String(arg), context);
      case 'Fn::GetAtt': {
        // CloudFormation splits the dotted form at the first dot only: DB.Endpoint.Address.
        const [logicalId, attribute] = Array.isArray(arg) ? arg : splitOnce(String(arg));
        return resolveGetAtt(String(logicalId), String(attribute), context);
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return (resolveValue(parts, context) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (resolveValue(list, context) as unknown[])[Number(resolveValue(index, context))];
      }
      case 'Fn::Split': {
        const [separator, source] = arg as [string, unknown];
        return String(resolveValue(source, context)).split(separator);
      }
      case 'Fn::Sub':
        return resolveSub(arg, context);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, context)]));
}

export function resolveString(value: unknown, context: ResolveContext): string {
  const resolved = resolveValue(value, context);
  if (typeof resolved !== 'string' && typeof resolved !== 'number') {
    throw new TemplateResolutionError(`Expected a string, got ${JSON.stringify(resolved)}`);
  }
  return String(resolved);
}

function resolveRef(name: string, context: ResolveContext): string {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NoValue':
      return '';
  }
  const resource = context.resources.get(name);
  if (!resource)
    throw new TemplateResolutionError(`Ref to ${name}, which the emulator has not provisioned`);
  return resource.ref;
}

function resolveGetAtt(logicalId: string, attribute: string, context: ResolveContext): string {
  const resource = context.resources.get(logicalId);
  const value =
    resource && Object.hasOwn(resource.attributes, attribute)
      ? resource.attributes[attribute]
      : undefined;
  if (typeof value !== 'string') {
    throw new TemplateResolutionError(
      `Fn::GetAtt ${logicalId}.${attribute} is not known to the emulator`,
    );
  }
  return value;
}

function resolveSub(arg: unknown, context: ResolveContext): string {
  const [template, variables] = Array.isArray(arg)
    ? (arg as [string, Record<string, unknown>])
    : [String(arg), {}];
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    // ${!Literal} is the escape for a literal ${Literal}.
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (Object.hasOwn(variables, name)) return String(resolveValue(variables[name], context));
    if (name.includes('.')) {
      const [id, attribute] = splitOnce(name);
      return resolveGetAtt(id, attribute, context);
    }
    return resolveRef(name, context);
  });
}

/** The physical name AWS would generate is random; locally it is stable: `<stack>-<logicalId>`. */
export function physicalName(stackName: string, logicalId: string, maxLength = 80): string {
  return `${stackName}-${logicalId}`.slice(0, maxLength);
}

function splitOnce(value: string): [string, string] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value, ''] : [value.slice(0, dot), value.slice(dot + 1)];
}
