import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { STACK_NAME } from '../../stack/webhook-stack.js';
import { compose, ROOT } from '../unit/deploy/compose-file.js';

/*
 * `cdklocal synth`, as the compose deployer will run cdklocal (its environment, the local
 * profile), with no LocalStack and no network: synthesis must not need either. One difference:
 * the CDK's built-in template validation is off (CDK_VALIDATION=false). It only warns (the
 * project does not set `@aws-cdk/core:validateAgainstDefaultRules`), so it cannot change this
 * check's outcome, and it was half of its CPU (20.3 s with it, 10.6 s without).
 */
const outdir = mkdtempSync(join(tmpdir(), 'webhooks-cdklocal-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function run(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, output }));
  });
}

it('synthesizes the local profile offline, with the deployer environment', {
  timeout: 90_000,
}, async () => {
  const deployerEnv = compose().services.deployer?.environment ?? {};
  const { code, output } = await run(
    process.execPath,
    [
      'node_modules/aws-cdk-local/bin/cdklocal',
      'synth',
      '-c',
      'profile=local',
      '--output',
      outdir,
      '--quiet',
      '--no-notices',
    ],
    {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      ...deployerEnv,
      CDK_VALIDATION: 'false',
    },
  );
  expect(code, output).toBe(0);
  const template = JSON.parse(
    readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8'),
  ) as {
    Resources: Record<
      string,
      {
        Type: string;
        Properties?: {
          AuthType?: string;
          Environment?: { Variables?: Record<string, string> };
        };
      }
    >;
    Outputs?: Record<string, { Value: unknown }>;
  };
  const types = Object.values(template.Resources).map((r) => r.Type);
  expect(types).toContain('AWS::Lambda::Function');
  expect(types).toContain('AWS::ApiGatewayV2::Api');
  // The free image has no API Gateway v2: senders and the compose signing proxy post to the
  // capture function's URL, which the CaptureFunctionUrl output names (localstack/signing-proxy.sh).
  const urls = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Url');
  expect(urls.map(([, r]) => r.Properties?.AuthType)).toEqual(['NONE']);
  expect(template.Outputs?.CaptureFunctionUrl?.Value).toEqual({
    'Fn::GetAtt': [urls[0]![0], 'FunctionUrl'],
  });
  // The deployer's FAULT_INJECTION reached the functions (the local profile reads it).
  const functions = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::Lambda::Function',
  );
  expect(functions.length).toBeGreaterThan(0);
  for (const fn of functions) {
    expect(fn.Properties?.Environment?.Variables?.FAULT_INJECTION).toBe('1');
  }
});
