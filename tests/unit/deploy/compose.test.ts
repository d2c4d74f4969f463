import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { type ComposeService, compose, interpolate, ROOT, rawCompose } from './compose-file.js';

/*
 * Static checks of the LocalStack target (docker-compose.yml, localstack/): Docker cannot run
 * here, so what can be checked without it is checked on every `npm test`. docs/targets.md says
 * what this leaves unverified.
 */
const require = createRequire(import.meta.url);

/** The Compose Specification's schema, vendored: see localstack/README.md for source and version. */
function composeValidator() {
  const schema = JSON.parse(readFileSync(`${ROOT}localstack/compose-spec.schema.json`, 'utf8'));
  const draft07 = require('ajv/dist/refs/json-schema-draft-07.json') as { $id: string };
  // The schema names draft-07 by its https URL; Ajv knows the same meta-schema by http.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  // Strict mode (the default) would refuse a `format` it does not know: the schema uses none.
  ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
  return ajv.compile(schema);
}

const file = compose();
const services = file.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const env = (name: string) => service(name).environment ?? {};
const localstackAddress = () => {
  const networks = service('localstack').networks as Record<string, { ipv4_address?: string }>;
  return Object.values(networks)[0]?.ipv4_address;
};
const script = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

/** An image reference pinned to a version: `repo:tag`, the tag not `latest` and with a digit. */
const PINNED =
  /^[a-z0-9][a-z0-9._/-]*:(?!latest$)[A-Za-z0-9._-]*\d[A-Za-z0-9._-]*(@sha256:[a-f0-9]{64})?$/;

describe('docker-compose.yml against the Compose Specification', () => {
  const validate = composeValidator();

  it('is valid, as written and as interpolated with or without a LocalStack token', () => {
    for (const candidate of [
      rawCompose(),
      compose(),
      compose({
        LOCALSTACK_AUTH_TOKEN: 'ls-token',
        LOCALSTACK_IMAGE: 'localstack/localstack-pro:4.14.0',
      }),
    ]) {
      const valid = validate(candidate);
      expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
      expect(valid).toBe(true);
    }
  });

  it('is checked by a validator that does reject a broken file', () => {
    expect(validate({ services: { api: { image: 3, restart: 'sometimes', bogus: true } } })).toBe(
      false,
    );
  });
});

describe('images', () => {
  it.each(Object.keys(services))('%s runs a pinned image (no latest, no untagged)', (name) => {
    expect(service(name).image).toMatch(PINNED);
  });

  it('every variable in an image has a pinned default, and the documented alternative is pinned too', () => {
    for (const [name, raw] of Object.entries(rawCompose().services)) {
      for (const [, variable, fallback] of (raw.image ?? '').matchAll(/\$\{(\w+):-([^}]*)\}/g)) {
        expect(fallback, `${name}: \${${variable}}`).toMatch(PINNED);
      }
    }
    // The alternatives the docs and the compose file's comments tell people to set.
    const documented = [`${ROOT}docs/targets.md`, `${ROOT}docker-compose.yml`].flatMap((path) => [
      ...readFileSync(path, 'utf8').matchAll(/LOCALSTACK_IMAGE=([a-z0-9][^\s`'"]*)/g),
    ]);
    expect(documented.length).toBeGreaterThan(0);
    for (const [, image] of documented) expect(image).toMatch(PINNED);
  });

  it('runs LocalStack 4.14.0, the last tag that starts without an account, by default', () => {
    expect(service('localstack').image).toBe('localstack/localstack:4.14.0');
    expect(
      compose({ LOCALSTACK_IMAGE: 'localstack/localstack-pro:4.14.0' }).services.localstack?.image,
    ).toBe('localstack/localstack-pro:4.14.0');
  });

  it('runs the Node.js tools on Node.js 22, as Lambda runs the functions', () => {
    for (const name of ['deployer', 'signing-proxy', 'e2e']) {
      expect(service(name).image).toMatch(/^node:22\.\d+\.\d+/);
    }
  });
});

describe('the localstack service', () => {
  it('passes LOCALSTACK_AUTH_TOKEN through from the shell and holds no token itself', () => {
    expect(rawCompose().services.localstack?.environment?.LOCALSTACK_AUTH_TOKEN).toBe(
      '\u0024{LOCALSTACK_AUTH_TOKEN:-}',
    );
    expect(env('localstack').LOCALSTACK_AUTH_TOKEN).toBe('');
    expect(
      compose({ LOCALSTACK_AUTH_TOKEN: 'ls-abc' }).services.localstack?.environment,
    ).toMatchObject({ LOCALSTACK_AUTH_TOKEN: 'ls-abc' });
  });

  it('gets the Docker socket, to run Lambda functions in containers', () => {
    expect(service('localstack').volumes).toContain('/var/run/docker.sock:/var/run/docker.sock');
    expect(env('localstack').DOCKER_HOST).toBe('unix:///var/run/docker.sock');
  });

  it('puts Lambda containers on the network it is on, named exactly (LAMBDA_DOCKER_NETWORK)', () => {
    const [key, network] = Object.entries(file.networks ?? {}).find(
      ([, n]) => n.name === env('localstack').LAMBDA_DOCKER_NETWORK,
    ) ?? [undefined, undefined];
    expect(network, 'a network whose name is LAMBDA_DOCKER_NETWORK').toBeDefined();
    expect(Object.keys(service('localstack').networks ?? {})).toEqual([key]);
  });

  it('has a fixed address inside that network, which the other services use as their DNS', () => {
    const subnet = Object.values(file.networks ?? {})[0]?.ipam?.config?.[0]?.subnet ?? '';
    const address = localstackAddress();
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(address!.split('.').slice(0, 3).join('.')).toBe(subnet.split('.').slice(0, 3).join('.'));
  });

  it('is healthy only once its READY init hooks have run without error', () => {
    const test = [service('localstack').healthcheck?.test ?? []].flat().join(' ');
    expect(test).toContain('/_localstack/init/ready');
    expect(test).toContain('"completed"');
    expect(test).toContain('"ERROR"');
    expect(service('localstack').volumes).toContain(
      './localstack/init/ready.d:/etc/localstack/init/ready.d:ro',
    );
  });

  it('mounts init hooks that LocalStack can run: executable, with a shebang', () => {
    const hook = 'localstack/init/ready.d/10-webhook-receiver.sh';
    expect(statSync(`${ROOT}${hook}`).mode & 0o111).not.toBe(0);
    expect(script(hook)).toMatch(/^#!\/bin\/bash\n/);
  });
});

describe('the deployer service', () => {
  it('starts when LocalStack is healthy and runs localstack/deploy.sh', () => {
    expect(service('deployer').depends_on).toEqual({
      localstack: { condition: 'service_healthy' },
    });
    expect(service('deployer').command).toEqual(['sh', 'localstack/deploy.sh']);
  });

  it('runs npm ci, cdklocal bootstrap, then cdklocal deploy without approval in the local profile', () => {
    const lines = script('localstack/deploy.sh')
      .split('\n')
      .filter((l) => /^(npm|npx)\b/.test(l))
      .map((l) => l.replace(/\s+\\$/, ''));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^npm ci\b/);
    expect(lines[1]).toMatch(/^npx cdklocal bootstrap\b.*-c profile=local/);
    expect(lines[2]).toMatch(/^npx cdklocal deploy --require-approval never -c profile=local\b/);
    // Stops at the first failing step, so compose reports the deployer as failed.
    expect(script('localstack/deploy.sh')).toMatch(/^#!\/bin\/sh\n/);
    expect(script('localstack/deploy.sh')).toMatch(/^set -eu$/m);
  });

  it("has what cdklocal needs: endpoints for AWS and for S3 (with an `.s3.` label), as cdklocal's own check accepts", () => {
    const { configureEnvironment } = require('aws-cdk-local/src') as {
      configureEnvironment: (env: Record<string, string>, allowList: string) => void;
    };
    const deployerEnv = { ...env('deployer') };
    const configured = { ...deployerEnv };
    // cdklocal itself: throws when AWS_ENDPOINT_URL comes without AWS_ENDPOINT_URL_S3.
    configureEnvironment(configured, '');
    expect(configured.AWS_ENDPOINT_URL).toBe(deployerEnv.AWS_ENDPOINT_URL);
    expect(configured.AWS_ENDPOINT_URL_S3).toBe(deployerEnv.AWS_ENDPOINT_URL_S3);
    expect(new URL(configured.AWS_ENDPOINT_URL_S3!).hostname).toMatch(/^s3\./);
    expect(configured).toMatchObject({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test' });
    expect(() => configureEnvironment({ AWS_ENDPOINT_URL: 'http://x:4566' }, '')).toThrow(
      /AWS_ENDPOINT_URL_S3/,
    );
  });

  it('deploys the functions with fault injection, which the e2e suite expects on LocalStack', () => {
    expect(env('deployer').FAULT_INJECTION).toBe('1');
  });
});

describe('DNS: asset uploads and API calls reach LocalStack', () => {
  it.each(['deployer', 'signing-proxy', 'e2e'])(
    '%s resolves through LocalStack on its network, and sends AWS calls to localhost.localstack.cloud',
    (name) => {
      expect(service(name).dns).toEqual([localstackAddress()]);
      expect(service(name).networks).toEqual(Object.keys(service('localstack').networks ?? {}));
      // Every subdomain (the asset bucket, the HTTP API, the queues) is answered by that DNS.
      for (const variable of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) {
        expect(new URL(env(name)[variable]!).hostname).toMatch(
          /(^|\.)localhost\.localstack\.cloud$/,
        );
      }
    },
  );
});

describe('the signing proxy and e2e services', () => {
  it("runs the signing proxy server, aimed at the capture function's URL (CaptureFunctionUrl output), after the deploy", () => {
    expect(service('signing-proxy').command).toEqual(['sh', 'localstack/signing-proxy.sh']);
    const text = script('localstack/signing-proxy.sh');
    // The free image has no HTTP API, only the function URL: the proxy must not read ApiUrl.
    const commands = text.split('\n').filter((line) => !line.trimStart().startsWith('#'));
    expect(commands.join('\n')).toContain(
      'RECEIVER_URL="$(npx tsx scripts/stack-outputs.ts --target localstack CaptureFunctionUrl)"',
    );
    expect(commands.join('\n')).not.toMatch(/\bApiUrl\b/);
    // That the deployer's synth has the output: tests/unit/deploy/cdklocal-synth.test.ts.
    expect(text).toContain('exec npx tsx tools/signing-proxy/server.ts');
    expect(text).toMatch(/export RECEIVER_URL/);
    expect(service('signing-proxy').depends_on).toEqual({
      deployer: { condition: 'service_completed_successfully' },
    });
  });

  it('`docker compose run --rm e2e` runs the e2e project against LocalStack, after the deploy', () => {
    expect(service('e2e').profiles).toEqual(['test']);
    expect(service('e2e').command).toEqual(['npx', 'vitest', 'run', '--project', 'e2e']);
    expect(env('e2e').E2E_TARGET).toBe('localstack');
    expect(service('e2e').depends_on).toEqual({
      deployer: { condition: 'service_completed_successfully' },
    });
  });

  it('lets the e2e suite pick its ingress (auto by default), and LocalStack deploy without the API', () => {
    expect(rawCompose().services.e2e?.environment?.E2E_INGRESS).toBe('\u0024{E2E_INGRESS:-auto}');
    expect(env('e2e').E2E_INGRESS).toBe('auto');
    expect(compose({ E2E_INGRESS: 'invoke' }).services.e2e?.environment?.E2E_INGRESS).toBe(
      'invoke',
    );
    // The free image skips AWS::ApiGatewayV2::* as placeholders instead of failing the deploy.
    expect(env('localstack').CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES).toBe('1');
  });
});

describe('interpolation, as Compose does it (the helper these checks rely on)', () => {
  it.each([
    ['\u0024{A:-x}', {}, 'x'],
    ['\u0024{A:-x}', { A: '' }, 'x'],
    ['\u0024{A-x}', { A: '' }, ''],
    ['\u0024{A:-x}', { A: 'y' }, 'y'],
    ['$$A \u0024{B}', { B: 'b' }, '$A b'],
  ] as const)('%s with %j is %j', (text, vars, expected) => {
    expect(interpolate(text, vars)).toBe(expected);
  });
});
