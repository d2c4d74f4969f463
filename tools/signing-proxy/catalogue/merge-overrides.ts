/**
 * Deep-merges overrides into a freshly built body: plain objects merge key by key, anything else
 * (arrays, strings, null) replaces. The body is built fresh for each event, so it is changed in
 * place and returned.
 */
export function mergeOverrides<T extends Record<string, unknown>>(
  body: T,
  overrides: Readonly<Record<string, unknown>> | undefined,
): T {
  if (!overrides) return body;
  const target = body as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) {
      target[key] = mergeOverrides({ ...current }, value);
    } else {
      target[key] = value;
    }
  }
  return body;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
