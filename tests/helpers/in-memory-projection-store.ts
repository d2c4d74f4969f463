import type {
  Projection,
  ProjectionEvent,
  ProjectionStore,
  SideEffectStart,
} from '../../services/webhooks/projection-store.js';

/**
 * The projection store in memory, for unit tests of handlers and their context: the same rules
 * as the DynamoDB store's conditions (latest by provider time then event id; a side effect held
 * by one attempt, taken over only by a later one, never run again once done).
 */
export class InMemoryProjectionStore implements ProjectionStore {
  readonly projections = new Map<string, Projection>();
  readonly sideEffects = new Map<
    string,
    { state: 'started' | 'done' | 'released'; attempt: number; result?: unknown }
  >();

  async applyProjection(resource: string, event: ProjectionEvent): Promise<'applied' | 'stale'> {
    const current = this.projections.get(resource);
    if (
      current &&
      (current.lastEventAt > event.at ||
        (current.lastEventAt === event.at && current.lastEventId > event.id))
    ) {
      return 'stale';
    }
    this.projections.set(resource, {
      resource,
      lastEventAt: event.at,
      lastEventId: event.id,
      lastEventType: event.type,
      state: structuredClone(event.state),
      updatedAt: new Date().toISOString(),
    });
    return 'applied';
  }

  async getProjection(resource: string): Promise<Projection | undefined> {
    const projection = this.projections.get(resource);
    return projection && structuredClone(projection);
  }

  async beginSideEffect(webhookId: string, key: string, attempt: number): Promise<SideEffectStart> {
    const id = `${webhookId}#${key}`;
    const held = this.sideEffects.get(id);
    if (held?.state === 'done') return { state: 'done', result: structuredClone(held.result) };
    if (held?.state === 'started' && held.attempt >= attempt) {
      return { state: 'held', attempt: held.attempt };
    }
    this.sideEffects.set(id, { state: 'started', attempt });
    return { state: 'run' };
  }

  async endSideEffect(
    webhookId: string,
    key: string,
    attempt: number,
    end: { readonly done: true; readonly result: unknown } | { readonly done: false },
  ): Promise<void> {
    const id = `${webhookId}#${key}`;
    const held = this.sideEffects.get(id);
    if (held?.state !== 'started' || held.attempt !== attempt) {
      throw new Error(`The side effect ${id} is not held by attempt ${attempt}.`);
    }
    this.sideEffects.set(
      id,
      end.done
        ? { state: 'done', attempt, result: structuredClone(end.result) }
        : { state: 'released', attempt },
    );
  }
}
