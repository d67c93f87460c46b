// The machine-readable result file (`--json FILE`), checked against the fixed schema.
import { assertValidReport, type Machine, type Report, type ResultRow } from './schema.js';

/** The report object; throws if it would not match the schema. */
export function buildReport(machine: Machine, results: ResultRow[]): Report {
  const report: Report = { machine, results };
  assertValidReport(report);
  return report;
}

/** The report as JSON text. */
export function renderJsonReport(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
