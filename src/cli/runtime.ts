import { setFlagsFromString } from 'node:v8';

/**
 * How the tftp process runs V8. A transfer's JavaScript is glue between
 * system calls, run a few thousand times at most: compiling it with V8's
 * optimising compiler (TurboFan) as soon as it is warm costs more CPU and
 * memory than it saves. Fifteen times V8's default budget keeps TurboFan for
 * code that runs hot for real (a listing of 100 000 lines, ASCII conversion
 * of a big file), while the per-file glue stays in the baseline tiers.
 * Measured with `npm run bench`: 500 small files take 20 % less CPU, peak
 * memory is lower and flat, 1 GiB transfers keep their speed
 * (docs/performance.md).
 */
const V8_FLAGS = '--interrupt-budget=1000000';

export function tuneRuntime(): void {
  setFlagsFromString(V8_FLAGS);
}
