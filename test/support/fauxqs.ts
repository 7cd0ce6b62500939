import { startFauxqs } from 'fauxqs';

export interface Emulator {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Credentials and region for the emulator (it accepts any), never the machine's own. */
export const EMULATOR_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
} as const;

/** The environment a child process needs to talk to the emulator at `endpoint`. */
export function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: EMULATOR_AWS.region,
    AWS_ACCESS_KEY_ID: EMULATOR_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_AWS.credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Starts the SNS/SQS emulator (fauxqs) in this process on a free loopback port. */
export async function startEmulator(): Promise<Emulator> {
  const server = await startFauxqs({ port: 0, logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, port: server.port, stop: () => server.stop() };
}

/** A short name nobody else uses, for queues and topics. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
