/** An attribute, or a path into map attributes (`['attemptLog', 'a3', 'endedAt']`). */
export type AttributePath = string | readonly string[];

/**
 * Builds an UpdateItem's expressions with placeholders for every name and value, so callers
 * write `set('status', 'failed')` rather than concatenating `#status = :failed` and keeping
 * three maps in step. Conditions use the same placeholders through `name()` and `value()`.
 */
export class UpdateExpression {
  readonly #sets: string[] = [];
  readonly #removes: string[] = [];
  readonly #adds: string[] = [];
  readonly #names = new Map<string, string>();
  readonly #values = new Map<string, unknown>();
  readonly #conditions: string[] = [];

  /** `path = value` */
  set(path: AttributePath, value: unknown): this {
    this.#sets.push(`${this.name(path)} = ${this.value(value)}`);
    return this;
  }

  /** Sets each attribute of `values` that is not undefined. */
  setAll(values: Readonly<Record<string, unknown>>): this {
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined) this.set(name, value);
    }
    return this;
  }

  /** `path = path + by` */
  increment(path: AttributePath, by = 1): this {
    const name = this.name(path);
    this.#sets.push(`${name} = ${name} + ${this.value(by)}`);
    return this;
  }

  /** `ADD path by`: a counter that starts at 0 when the attribute does not exist yet. */
  add(path: AttributePath, by = 1): this {
    this.#adds.push(`${this.name(path)} ${this.value(by)}`);
    return this;
  }

  remove(...paths: AttributePath[]): this {
    for (const path of paths) this.#removes.push(this.name(path));
    return this;
  }

  /** Adds a condition (ANDed with the others), written with `name()` and `value()`. */
  when(condition: string): this {
    this.#conditions.push(condition);
    return this;
  }

  /** The placeholder of an attribute or path: `#status`, `#attemptLog.#a3`. */
  name(path: AttributePath): string {
    const parts = typeof path === 'string' ? [path] : path;
    return parts
      .map((part) => {
        const placeholder = `#${part.replace(/[^A-Za-z0-9_]/g, '_')}`;
        const taken = this.#names.get(placeholder);
        if (taken !== undefined && taken !== part) {
          throw new Error(`Attribute names ${taken} and ${part} share a placeholder.`);
        }
        this.#names.set(placeholder, part);
        return placeholder;
      })
      .join('.');
  }

  /** A fresh value placeholder: `:v0`, `:v1`, … */
  value(value: unknown): string {
    const placeholder = `:v${this.#values.size}`;
    this.#values.set(placeholder, value);
    return placeholder;
  }

  /** The UpdateItem input's expression fields. */
  build(): {
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    const clauses = [
      this.#sets.length > 0 ? `SET ${this.#sets.join(', ')}` : '',
      this.#removes.length > 0 ? `REMOVE ${this.#removes.join(', ')}` : '',
      this.#adds.length > 0 ? `ADD ${this.#adds.join(', ')}` : '',
    ].filter(Boolean);
    if (clauses.length === 0) throw new Error('An update must set or remove something.');
    return {
      UpdateExpression: clauses.join(' '),
      ...(this.#conditions.length > 0
        ? { ConditionExpression: this.#conditions.map((c) => `(${c})`).join(' AND ') }
        : {}),
      ...(this.#names.size > 0
        ? { ExpressionAttributeNames: Object.fromEntries(this.#names) }
        : {}),
      ...(this.#values.size > 0
        ? { ExpressionAttributeValues: Object.fromEntries(this.#values) }
        : {}),
    };
  }
}
