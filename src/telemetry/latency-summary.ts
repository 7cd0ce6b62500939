import * as hdr from 'hdr-histogram-js';

/** µs from 1 to a day, three significant digits. */
export function microsHistogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 86_400_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** count, mean and percentiles in ms of a histogram recorded in µs. */
export function summaryMs(h: hdr.Histogram) {
  const ms = (v: number) => Math.round(v) / 1000;
  return {
    count: h.totalCount,
    mean: h.totalCount ? ms(h.mean) : 0,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}
