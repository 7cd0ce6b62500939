/**
 * How tests start the flashsale CLI: the compiled `dist/cli/main.js` when the
 * test runner has just built it (`npm test` sets FLASHSALE_TEST_CLI=dist: a
 * child then starts in a third of the time), else the sources through tsx.
 */
export const CLI: readonly string[] =
  process.env.FLASHSALE_TEST_CLI === 'dist' ? ['dist/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
