import { after, before } from 'node:test';

/** What every contract's settings may carry: a suite-wide setup whose result tears it down, and a skip reason. */
export interface ContractSettings {
  skip?: string | false;
  setup?: () => Promise<(() => Promise<void>) | undefined>;
}

/**
 * Inside a contract's `describe`: runs `settings.setup` before the suite and
 * its teardown after it, and returns `open()`, which makes a fixture with
 * `factory` and cleans every fixture made up after the suite.
 */
export function fixtureScope<F extends { cleanup(): Promise<void> }>(
  factory: () => Promise<F>,
  settings: ContractSettings,
): () => Promise<F> {
  let teardown: (() => Promise<void>) | undefined;
  const fixtures: F[] = [];
  before(async () => {
    teardown = await settings.setup?.();
  });
  after(async () => {
    for (const f of fixtures) await f.cleanup();
    await teardown?.();
  });
  return async () => {
    const f = await factory();
    fixtures.push(f);
    return f;
  };
}
