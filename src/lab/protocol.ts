/** Messages between the lab and the flashsale process it runs a phase in (IPC, JSON). */

/** What the lab tells a child process at start (environment variable FLASHSALE_LAB_CHILD). */
export interface ChildSetup {
  /** Service configuration (ConfigOverrides); plain JSON. */
  config: Record<string, unknown>;
  /** Requests sent to a throwaway service first, to warm up the code; 0 = none. */
  warmUpRequests: number;
  /** Dashboard reading interval, real ms; 0 = no dashboard. */
  dashboardIntervalMs: number;
}

export type ChildRequest =
  | { type: 'usage'; id: number }
  | { type: 'workers'; id: number; count: number }
  | { type: 'close'; id: number };

/** CPU time since the process started and memory now / at its peak since the previous reading. */
export interface UsageReading {
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  peakRssBytes: number;
  heapUsedBytes: number;
}

export type ChildReply =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'failed'; message: string }
  | ({ type: 'usage'; id: number } & UsageReading)
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };
