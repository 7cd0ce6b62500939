import type { OrderStore } from '../../src/core/ports.js';

/** An OrderStore whose every call fails while `failing` is set, as a store whose database went away. */
export interface FlakyStore extends OrderStore {
  failing: boolean;
  /** Calls refused so far. */
  refused: number;
}

/**
 * Wraps a real store: while `failing` is set every method rejects, as the
 * PostgreSQL driver does when its connection is terminated or refused; else
 * each call goes to the real store. Not a mock: the component under test
 * runs on the real store, only cut off from it for a while.
 */
export function faultInjecting(store: OrderStore): FlakyStore {
  const state = { failing: false, refused: 0 };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'failing' || property === 'refused') return state[property];
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!state.failing) return value.apply(target, args);
        state.refused++;
        return Promise.reject(new Error('Connection terminated unexpectedly (injected)'));
      };
    },
    set(target, property, value, receiver) {
      if (property === 'failing') {
        state.failing = Boolean(value);
        return true;
      }
      return Reflect.set(target, property, value, receiver);
    },
  }) as FlakyStore;
}
