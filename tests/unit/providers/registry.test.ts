import { describe, expect, it } from 'vitest';
import { createProviders, getProvider } from '../../../services/providers/registry.js';
import { ConfigurationError, UnknownProviderError } from '../../../services/shared/errors.js';

const providers = createProviders({
  stripe: ['whsec_unitTestRegistry0123456789abcdef'],
  bigcommerce: ['bc_unit_test_registry_secret'],
});

function unknownProvider(name: string): UnknownProviderError {
  try {
    getProvider(providers, name);
  } catch (error) {
    expect(error).toBeInstanceOf(UnknownProviderError);
    return error as UnknownProviderError;
  }
  throw new Error(`expected UnknownProviderError for ${JSON.stringify(name)}`);
}

describe('createProviders', () => {
  it('configures exactly stripe and bigcommerce, keyed by their names', () => {
    expect([...providers.keys()].sort()).toEqual(['bigcommerce', 'stripe']);
    for (const [key, provider] of providers) expect(provider.name).toBe(key);
  });

  it.each([
    ['stripe', { stripe: [], bigcommerce: ['bc'] }],
    ['bigcommerce', { stripe: ['whsec_x'], bigcommerce: [] }],
  ])('refuses to start when %s has no secret', (_provider, secrets) => {
    expect(() => createProviders(secrets)).toThrow(ConfigurationError);
  });
});

describe('createProviders: optional providers', () => {
  const all = createProviders({
    stripe: ['whsec_unitTestRegistry0123456789abcdef'],
    bigcommerce: ['bc_unit_test_registry_secret'],
    github: ['github_unit_test_registry_secret'],
    shopify: ['shopify_unit_test_registry_secret'],
    'standard-webhooks': ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
  });

  it('configures github, shopify and standard-webhooks when each has a secret', () => {
    expect([...all.keys()].sort()).toEqual([
      'bigcommerce',
      'github',
      'shopify',
      'standard-webhooks',
      'stripe',
    ]);
    for (const [key, provider] of all) expect(provider.name).toBe(key);
  });

  it.each([
    ['absent', {}],
    ['empty', { github: [], shopify: [], 'standard-webhooks': [] }],
  ])('leaves them out when their secret lists are %s: unknown_provider', (_, optional) => {
    const some = createProviders({ stripe: ['whsec_x'], bigcommerce: ['bc'], ...optional });
    expect([...some.keys()].sort()).toEqual(['bigcommerce', 'stripe']);
    expect(() => getProvider(some, 'github')).toThrow(UnknownProviderError);
    expect(() => getProvider(some, 'standard-webhooks')).toThrow(UnknownProviderError);
  });

  it('configures each optional provider on its own', () => {
    const onlyShopify = createProviders({
      stripe: ['whsec_x'],
      bigcommerce: ['bc'],
      shopify: ['s'],
    });
    expect([...onlyShopify.keys()]).toContain('shopify');
    expect([...onlyShopify.keys()]).not.toContain('github');
  });

  it('refuses to start when a configured secret is unusable', () => {
    expect(() =>
      createProviders({ stripe: ['whsec_x'], bigcommerce: ['bc'], github: [' '] }),
    ).toThrow(ConfigurationError);
    expect(() =>
      createProviders({
        stripe: ['whsec_x'],
        bigcommerce: ['bc'],
        'standard-webhooks': ['whsec_!'],
      }),
    ).toThrow(ConfigurationError);
  });
});

describe('getProvider', () => {
  it.each(['stripe', 'bigcommerce'])('finds %s', (name) => {
    expect(getProvider(providers, name)).toBe(providers.get(name));
    expect(getProvider(providers, name).name).toBe(name);
  });

  it('throws UnknownProviderError with code unknown_provider, listing the known ones', () => {
    const error = unknownProvider('paypal');
    expect(error.code).toBe('unknown_provider');
    expect(error.message).toContain('"paypal"');
    expect(error.message).toContain('stripe');
    expect(error.message).toContain('bigcommerce');
    expect(error.context).toEqual({ provider: 'paypal', known: ['stripe', 'bigcommerce'] });
  });

  it('is exact: no case folding or trimming', () => {
    expect(unknownProvider('Stripe').context.provider).toBe('Stripe');
    expect(unknownProvider('stripe ').context.provider).toBe('stripe?');
  });

  it('does not find inherited object keys', () => {
    expect(unknownProvider('constructor').code).toBe('unknown_provider');
    expect(unknownProvider('__proto__').code).toBe('unknown_provider');
  });

  it('replaces characters outside [A-Za-z0-9._-] with ?', () => {
    const error = unknownProvider('<script>alert(1)</script>');
    expect(error.context.provider).toBe('?script?alert?1???script?');
    expect(error.message).not.toMatch(/[<>()/]/);
  });

  it('neutralises control characters, so a name cannot forge log lines', () => {
    const error = unknownProvider('x\r\n{"level":"error"}\u0000');
    expect(error.context.provider).toBe('x????level???error???');
    for (const forbidden of ['\r', '\n', '\u0000', '{', '}']) {
      expect(error.message).not.toContain(forbidden);
    }
  });

  it('caps the echoed name at 32 characters and marks the cut', () => {
    const name = `${'a'.repeat(31)}bcdefgh${'<'.repeat(10_000)}`;
    const error = unknownProvider(name);
    expect(error.context.provider).toBe(`${'a'.repeat(31)}b…`);
    expect(error.message.length).toBeLessThan(200);
  });

  it('does not mark a name of exactly 32 characters as cut', () => {
    const name = 'p'.repeat(32);
    expect(unknownProvider(name).context.provider).toBe(name);
  });

  it('replaces non-ASCII characters unit by unit, leaving no lone surrogate after the cut', () => {
    // 20 emoji are 40 UTF-16 units: the cut at 32 falls between pairs, and each unit becomes ?.
    const error = unknownProvider('\u{1F600}'.repeat(20));
    expect(error.context.provider).toBe(`${'?'.repeat(32)}…`);
  });
});
