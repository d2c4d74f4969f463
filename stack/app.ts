import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveProfile } from './profile.js';
import { STACK_NAME, WebhookStack } from './webhook-stack.js';

/**
 * Entry point of `cdk synth|deploy`. The profile defaults to `aws`: `-c profile=local` for
 * LocalStack. `-c ingress=function-url|both` (or STACK_INGRESS) changes the profile's ingress.
 */
const app = new App();
const profileName = String(app.node.tryGetContext('profile') ?? process.env.STACK_PROFILE ?? 'aws');
const ingress = app.node.tryGetContext('ingress') as string | undefined;
new WebhookStack(app, STACK_NAME, {
  profile: resolveProfile(profileName, {
    ...process.env,
    ...(ingress === undefined ? {} : { STACK_INGRESS: String(ingress) }),
  }),
});
// What goes to real AWS passes cdk-nag's AwsSolutions pack (acknowledged findings: stack/nag-acknowledgements.ts).
if (profileName === 'aws') Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
