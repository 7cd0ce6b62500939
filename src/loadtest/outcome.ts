/**
 * How a load test ends for a CI job: the exit code and the reason, in
 * Locust's and k6's conventions.
 *
 *   0   every threshold met, and no request failed (or failures were allowed)
 *   1   a request failed (`--exit-code-on-error N` like Locust; 0 turns it off);
 *       also: the target could not be reached at all
 *   2   usage error (a bad flag or threshold), nothing was run
 *   99  a threshold was crossed (k6's code); wins over failed requests
 *
 * A threshold on failures (`failures<1%`, `failed<5`) says how many failures
 * are acceptable, so it replaces the any-failure rule.
 */
import type { LoadTestResult } from './results.js';

export const EXIT_USAGE = 2;
export const EXIT_THRESHOLDS = 99;
/** Locust's default for `--exit-code-on-error`. */
export const DEFAULT_EXIT_CODE_ON_ERROR = 1;

export type Verdict = 'passed' | 'requests-failed' | 'thresholds-crossed';

export interface RunOutcome {
  verdict: Verdict;
  exitCode: number;
  /** One line for the log, e.g. "2 of 3 thresholds crossed: p95<100ms, rps>50". */
  reason: string;
}

export function runOutcome(
  result: Pick<LoadTestResult, 'summary' | 'thresholds'>,
  { exitCodeOnError = DEFAULT_EXIT_CODE_ON_ERROR } = {},
): RunOutcome {
  const thresholds = result.thresholds ?? [];
  const crossed = thresholds.filter((t) => !t.passed);
  if (crossed.length > 0) {
    return {
      verdict: 'thresholds-crossed',
      exitCode: EXIT_THRESHOLDS,
      reason: `${crossed.length} of ${thresholds.length} threshold(s) crossed: ${crossed.map((t) => t.expression).join(', ')}`,
    };
  }
  const { failures, requests } = result.summary;
  const judgedByThreshold = thresholds.some((t) => t.metric === 'failures' || t.metric === 'failed');
  if (failures > 0 && !judgedByThreshold && exitCodeOnError !== 0) {
    return {
      verdict: 'requests-failed',
      exitCode: exitCodeOnError,
      reason: `${failures} of ${requests} request(s) failed (--exit-code-on-error 0 accepts failures)`,
    };
  }
  const met = thresholds.length > 0 ? `all ${thresholds.length} threshold(s) met` : 'no thresholds';
  const failed =
    failures === 0
      ? 'no request failed'
      : `${failures} of ${requests} request(s) failed, ${judgedByThreshold ? 'within the failures threshold' : 'accepted by --exit-code-on-error 0'}`;
  return { verdict: 'passed', exitCode: 0, reason: `${met}; ${failed}` };
}
