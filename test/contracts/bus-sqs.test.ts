import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { sqsBusOptions } from '../../src/service/options.js';
import { SqsBus } from '../../src/sns-sqs/sqs-bus.js';
import { EMULATOR_AWS, type Emulator, startEmulator, uniqueName } from '../support/fauxqs.js';
import { busContract } from './bus-contract.js';

let emulator: Emulator | undefined;

busContract(
  'SNS + SQS (fauxqs emulator)',
  async ({ clock, visibilityTimeoutMs, maxReceiveCount }) => {
    if (!emulator) throw new Error('the emulator is not running');
    const topic = uniqueName('contract-topic');
    const queue = uniqueName('contract-queue');
    const bus = new SqsBus(
      { clock, logger: pino({ level: 'silent' }) },
      {
        ...sqsBusOptions(DEFAULT_CONFIG),
        endpoint: emulator.endpoint,
        ...EMULATOR_AWS,
        subscriptions: { [topic]: [queue] },
        visibilityTimeoutMs,
        maxReceiveCount,
        provision: true,
        // The emulator answers short polls exactly; no long poll needed to end a sweep.
        sweepWaitSeconds: 0,
      },
    );
    await bus.init();
    return { bus, topic, queue, cleanup: () => bus.close() };
  },
  {
    // SQS counts whole seconds: 30 simulated seconds of visibility last exactly 1 s.
    timeScale: 1 / 30,
    setup: async () => {
      emulator = await startEmulator();
      return () => emulator?.stop() ?? Promise.resolve();
    },
  },
);
