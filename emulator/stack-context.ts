import type { Logger } from 'pino';
import type { CfnTemplate, PhysicalResource } from './template.js';

/**
 * What wiring a resource type needs to know of the provisioned stack: the template, what each
 * logical id became, and a resolver for the template's values (Ref, Fn::GetAtt, …).
 */
export interface StackContext {
  readonly template: CfnTemplate;
  readonly resources: ReadonlyMap<string, PhysicalResource>;
  readonly resolve: {
    value(value: unknown): unknown;
    string(value: unknown): string;
  };
  readonly region: string;
  readonly accountId: string;
  readonly log: Logger;
}

/** Something wired that has to be stopped when the emulator stops. */
export interface Stoppable {
  stop(): Promise<unknown>;
}
