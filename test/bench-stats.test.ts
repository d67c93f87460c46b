// The bench's statistics: medians over runs, percentiles over samples, spread, ratios.
import { describe, expect, it } from 'vitest';
import { latencyPercentiles, median, percentileSorted, spread } from '../bench/lib/stats.js';
import { baselineOf, isNoisy, ratioTo, rowSpread, summarize } from '../bench/lib/results.js';
import type { Figures } from '../bench/lib/schema.js';

const tput = (msgsPerSec: number): Figures => ({
  msgsPerSec,
  mbPerSec: msgsPerSec / 1000,
  p50us: null,
  p99us: null,
});
const lat = (p50us: number, p99us: number): Figures => ({
  msgsPerSec: null,
  mbPerSec: null,
  p50us,
  p99us,
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('percentiles (nearest rank)', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  it('picks the value at rank ceil(p/100 * n)', () => {
    expect(percentileSorted(oneToHundred, 50)).toBe(50);
    expect(percentileSorted(oneToHundred, 99)).toBe(99);
    expect(percentileSorted(oneToHundred, 100)).toBe(100);
    expect(percentileSorted(oneToHundred, 0.5)).toBe(1);
    expect(percentileSorted([10, 20, 30], 50)).toBe(20);
    expect(percentileSorted([10, 20, 30], 99)).toBe(30);
    expect(percentileSorted([5], 99)).toBe(5);
    expect(percentileSorted([], 50)).toBeNaN();
  });

  it('rejects percentiles outside (0, 100]', () => {
    expect(() => percentileSorted([1], 0)).toThrow(RangeError);
    expect(() => percentileSorted([1], 101)).toThrow(RangeError);
  });

  it('sorts latency samples without changing them', () => {
    const samples = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
    const { p50, p99 } = latencyPercentiles(samples);
    expect(p50).toBe(500);
    expect(p99).toBe(990);
    expect(samples[0]).toBe(1000);
  });
});

describe('spread', () => {
  it('is (max - min) / median', () => {
    expect(spread([90, 100, 110])).toBeCloseTo(0.2);
    expect(spread([100])).toBe(0);
    expect(spread([0, 0])).toBe(0);
    expect(spread([])).toBeNaN();
  });
});

describe('result rows', () => {
  it('hold the median of each figure over the runs', () => {
    const row = summarize('fifo', 'raw', 'latency', 16, [lat(50, 90), lat(70, 80), lat(60, 200)]);
    expect(row).toMatchObject({
      transport: 'fifo',
      codec: 'raw',
      pattern: 'latency',
      size: 16,
      p50us: 60,
      p99us: 90,
      msgsPerSec: null,
      mbPerSec: null,
    });
    expect(row.runs).toHaveLength(3);
  });

  it('flag runs that differ by more than 25% of their median', () => {
    expect(isNoisy(summarize('a', 'raw', 'throughput', 16, [tput(100), tput(110), tput(95)]))).toBe(
      false,
    );
    const noisy = summarize('a', 'raw', 'throughput', 16, [tput(100), tput(140), tput(95)]);
    expect(rowSpread(noisy)).toBeCloseTo(0.45);
    expect(isNoisy(noisy)).toBe(true);
  });

  it('take ratios against the unix-socket row of the same pattern, size and codec', () => {
    const rows = [
      summarize('unix-socket', 'raw', 'throughput', 16, [tput(200)]),
      summarize('unix-socket', 'raw', 'throughput', 256, [tput(100)]),
      summarize('unix-socket', 'msgpack', 'throughput', 0, [tput(50)]),
      summarize('unix-socket', 'raw', 'latency', 16, [lat(60, 100)]),
      summarize('fifo', 'raw', 'throughput', 16, [tput(300)]),
      summarize('fifo', 'raw', 'latency', 16, [lat(30, 150)]),
      summarize('codec-json-parse', 'raw', 'throughput', 0, [tput(500)]),
      summarize('tcp', 'raw', 'throughput', 65536, [tput(10)]),
    ];
    const [, , objects, , fifo, fifoLatency, json, tcp] = rows;
    expect(ratioTo(fifo!, baselineOf(rows, fifo!), 'msgsPerSec')).toBe(1.5);
    expect(ratioTo(fifoLatency!, baselineOf(rows, fifoLatency!), 'p50us')).toBe(0.5);
    expect(ratioTo(fifoLatency!, baselineOf(rows, fifoLatency!), 'p99us')).toBe(1.5);
    // No raw row of size 0: the JSON codec row compares with the msgpack objects.
    expect(baselineOf(rows, json!)).toBe(objects);
    expect(ratioTo(json!, baselineOf(rows, json!), 'msgsPerSec')).toBe(10);
    expect(baselineOf(rows, tcp!)).toBeUndefined();
    expect(ratioTo(tcp!, undefined, 'msgsPerSec')).toBeNaN();
  });
});
