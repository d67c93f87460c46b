// The machine-readable result file (`--json FILE`), checked against the fixed schema.
import {
  assertValidReport,
  type IdleWaiting,
  type Machine,
  type Report,
  type ResultRow,
} from './schema.js';

/** The report object (idleWaiting left out when not measured); throws if it would not match the schema. */
export function buildReport(
  machine: Machine,
  results: ResultRow[],
  idleWaiting?: IdleWaiting,
): Report {
  const report: Report =
    idleWaiting === undefined ? { machine, results } : { machine, results, idleWaiting };
  assertValidReport(report);
  return report;
}

/** The report as JSON text. */
export function renderJsonReport(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
