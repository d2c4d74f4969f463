/*
 * Everything a handler's author imports, from one module: the registry, the errors that decide
 * what happens next, and the types of events and context.
 */
export { PermanentError, RetryLaterError } from '../shared/errors.js';
export type { HandlerContext } from './handler-context.js';
export type {
  BigCommerceEvent,
  GitHubEvent,
  ShopifyEvent,
  StandardWebhookEvent,
  StripeEvent,
} from './provider-events.js';
export {
  type HandlerResult,
  type WebhookHandler,
  type WebhookHandlers,
  webhookHandlers,
} from './webhook-handlers.js';
