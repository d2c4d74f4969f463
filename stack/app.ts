import { App } from 'aws-cdk-lib';
import { resolveProfile } from './profile.js';
import { STACK_NAME, WebhookStack } from './webhook-stack.js';

/** Entry point of `cdk synth|deploy`. The profile defaults to `aws`: `-c profile=local` for LocalStack. */
const app = new App();
const profileName = String(app.node.tryGetContext('profile') ?? process.env.STACK_PROFILE ?? 'aws');
new WebhookStack(app, STACK_NAME, { profile: resolveProfile(profileName) });
app.synth();
