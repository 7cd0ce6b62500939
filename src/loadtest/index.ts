/**
 * The load generator's programmatic API (used by `flashsale loadtest` and the lab):
 *
 *   const result = await runLoadTest({ host, scenario: 'flash', endpoint: 'async' }, { onProgress });
 *   await saveResults(result, { dir: 'results' });
 */
export { locustCsvFiles, writeLocustCsv } from './csv.js';
export { LatencyHistogram, PERCENTILES, type PercentileTable } from './histogram.js';
export { type LoadPlan, type LoadTestOptions, resolvePlan } from './options.js';
export {
  DEFAULT_EXIT_CODE_ON_ERROR,
  EXIT_THRESHOLDS,
  EXIT_USAGE,
  type RunOutcome,
  runOutcome,
  type Verdict,
} from './outcome.js';
export { formatDuration, parseDuration, parseRate, parseWait, UsageError } from './parse.js';
export { createRandom, type OrderPayload, randomOrder, STUDY_PRODUCTS } from './payload.js';
export { type ProgressPrinter, progressLine, progressPrinter } from './progress.js';
export {
  decodeHistogram,
  type EndToEnd,
  type ErrorEntry,
  type LatencyClock,
  type LoadTestConfig,
  type LoadTestResult,
  RESULTS_SCHEMA,
  readResultsJson,
  type SeriesPoint,
  type ServerInfo,
  type ServerSample,
  type StatsFigures,
  type StudyFactors,
  studyFactors,
  type TargetFigures,
  type Threshold,
  type ThresholdResult,
  writeResultsJson,
} from './results.js';
export { type ProgressSnapshot, type RunHooks, runLoadTest, TargetUnreachableError } from './runner.js';
export { defaultResultName, type SaveOptions, saveResults } from './save.js';
export { SCENARIOS, type Scenario } from './scenarios.js';
export { describeConfig, describeTarget, formatSummary } from './summary.js';
export { type LoadTestSummaryJson, type StudyUnits, SUMMARY_SCHEMA, studyUnits, summaryJson } from './summary-json.js';
export { evaluateThresholds, parseThreshold, parseThresholds, thresholdLines } from './thresholds.js';
