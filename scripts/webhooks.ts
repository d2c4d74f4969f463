process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { processConsole, runCli } from '../tools/operator/webhooks-cli.js';

/* `npm run webhooks -- <command>`: the operator CLI (tools/operator/webhooks-cli.ts). */
process.exitCode = await runCli(process.argv.slice(2), processConsole());
