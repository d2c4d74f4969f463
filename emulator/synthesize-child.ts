import { synthesizeLocalStack } from './synthesize.js';

/*
 * `node --import tsx emulator/synthesize-child.ts <outdir>`, with an environment as JSON on
 * stdin: synthesizes the local stack into <outdir> with the profile read from that
 * environment, apart from the emulator's process (see synthesizeLocalStackInChild).
 */
const [outdir] = process.argv.slice(2);
if (!outdir) {
  console.error('usage: synthesize-child.ts <outdir> < environment.json');
  process.exit(2);
}
let env = '';
for await (const chunk of process.stdin) env += chunk;
await synthesizeLocalStack({ outdir, env: JSON.parse(env) as Record<string, string> });
