/**
 * Several targets as one requester: each request goes to the next target in
 * turn (round robin per request), as a load balancer in front of them would
 * spread them. Each target keeps its own connections.
 */
import type { HttpRequestSpec, Requester } from './http-client.js';

export class RoundRobinRequester implements Requester {
  private next = 0;

  constructor(private readonly targets: readonly Requester[]) {}

  get inFlight(): number {
    let total = 0;
    for (const target of this.targets) total += target.inFlight;
    return total;
  }

  send(spec: HttpRequestSpec, intendedAt: number | undefined, then?: () => void): void {
    const target = this.targets[this.next]!;
    this.next = (this.next + 1) % this.targets.length;
    target.send(spec, intendedAt, then);
  }

  cancelAll(): number {
    let total = 0;
    for (const target of this.targets) total += target.cancelAll();
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.targets.map((target) => target.close()));
  }
}
