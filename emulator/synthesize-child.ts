import { synthesizeLocalStack } from './synthesize.js';

/*
 * `node --import tsx emulator/synthesize-child.ts <outdir> <env as JSON>`: synthesizes the local
 * stack into <outdir> with the profile read from that environment, apart from the emulator's
 * process (see synthesizeLocalStackInChild).
 */
const [outdir, env] = process.argv.slice(2);
if (!outdir || !env) {
  console.error('usage: synthesize-child.ts <outdir> <environment as JSON>');
  process.exit(2);
}
await synthesizeLocalStack({ outdir, env: JSON.parse(env) as Record<string, string> });
