import { parseArgs } from 'node:util';
import { type RemoteTarget, readStackOutputs } from '../tools/operator/stack-outputs.js';

/*
 * Prints a deployed stack's outputs (CloudFormation DescribeStacks), for scripts and compose:
 *   npx tsx scripts/stack-outputs.ts --target localstack            all outputs, as JSON
 *   npx tsx scripts/stack-outputs.ts --target localstack ApiUrl     one value
 * Exit codes: 0 printed, 1 the stack or the output is not there, 2 bad arguments.
 */
const { values, positionals } = parseArgs({
  options: { target: { type: 'string', default: process.env.E2E_TARGET || 'localstack' } },
  allowPositionals: true,
});
const target = values.target as RemoteTarget;
if (target !== 'localstack' && target !== 'aws') {
  console.error(`--target must be localstack or aws, not "${values.target}"`);
  process.exit(2);
}

try {
  const outputs = await readStackOutputs(target);
  const [key] = positionals;
  if (key === undefined) {
    console.log(JSON.stringify(outputs, null, 2));
  } else if (outputs[key] === undefined) {
    console.error(`The stack has no output ${key}; it has: ${Object.keys(outputs).join(', ')}`);
    process.exit(1);
  } else {
    console.log(outputs[key]);
  }
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
