// The record the writer leaves for the reader. Any MessagePack-able shape works: strings of
// any length, Dates, BigInts, typed arrays, nested objects; no struct layout to keep in step.
export interface WeatherRecord {
  station: string;
  takenAt: Date;
  writerPid: number;
  /** Hourly temperatures, °C. */
  temperatures: Float64Array;
  /** Lifetime rain-gauge tips: a 64-bit counter. */
  rainTips: bigint;
  notes: string[];
}

/** Where the record waits when no name is given. */
export const DEFAULT_NAME = '/shmring-record';
