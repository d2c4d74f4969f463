/**
 * The name of the stack in every target. A module of its own, so that what only needs the name
 * (the operator CLI, the emulator's assembly cache) does not load the CDK to get it.
 */
export const STACK_NAME = 'WebhookReceiver';
