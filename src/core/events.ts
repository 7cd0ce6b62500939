/** A listener of an event whose arguments are `Args`. */
export type Listener<Args extends unknown[]> = (...args: Args) => void;

/** An event map: event name → the tuple of arguments its listeners receive. */
export type EventMap<T> = { [K in keyof T]: unknown[] };

/**
 * Typed events with any number of listeners (`on('settled', fn)`), where a
 * single overwritable callback field would let the last caller silence the
 * others. A listener that throws is handed to `onError`: it neither stops the
 * other listeners nor the work that emitted the event.
 */
export class Events<T extends EventMap<T>> {
  private readonly listeners: { [K in keyof T]?: Set<Listener<T[K]>> } = {};

  constructor(private readonly onError: (error: unknown, event: keyof T) => void) {}

  /** Calls `listener` on every `event` from now on; returns the unsubscribe function. */
  on<K extends keyof T>(event: K, listener: Listener<T[K]>): () => void {
    let set = this.listeners[event];
    if (!set) {
      set = new Set();
      this.listeners[event] = set;
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<K extends keyof T>(event: K, ...args: T[K]): void {
    const set = this.listeners[event];
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        this.onError(error, event);
      }
    }
  }

  /** Listeners of `event`, e.g. to skip building an event nobody hears. */
  count(event: keyof T): number {
    return this.listeners[event]?.size ?? 0;
  }
}
