// Undo what a test created, pass or fail: register a step with defer(), it runs after the
// test (latest first), and a step whose target is already gone is fine.
import { afterEach } from 'vitest';

/** Installs the afterEach hook of this test file and returns its defer(...steps). */
export function useCleanups(): (...steps: Array<() => void>) => void {
  const steps: Array<() => void> = [];
  afterEach(() => {
    for (const step of steps.splice(0).reverse()) {
      try {
        step();
      } catch {
        // already removed by the test itself
      }
    }
  });
  return (...more) => void steps.push(...more);
}
