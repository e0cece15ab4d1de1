/**
 * V8 settings for the analysis, set when the CLI or the server starts (at run
 * time: a flag this Node's V8 does not know is reported and ignored, where on the
 * command line it would stop the process).
 *
 * A cold run spends much of its time waiting for TurboFan: on a 2-core machine
 * its compile thread shares the second core with the garbage collector's
 * marking (and the body-prefetch worker), and the interpreter's large functions
 * (`stmt`, `applyOutcomes`, the IR builder) with everything inlined into them
 * took over 2.5 s of compile time over mm/, some functions several times. Without
 * inlining, and with functions optimised only once they are clearly hot, a check
 * of 6.12 mm/ runs about 0.3 s faster (and uses a third less CPU), while the
 * optimised code is hardly slower (edit latency in the server is unchanged).
 * Without loop peeling (a copy of each loop's first iteration: larger graphs to
 * compile), a check is another 25-50 ms sooner (interleaved series of 9).
 * Without parallel scavenging, a young-generation collection runs on the thread that
 * triggered it: on 2 cores the helper it would wait for is busy compiling (or is the
 * other thread's), and a check of 6.12 mm/ was 35 ms sooner (interleaved series of 15).
 */
import { setFlagsFromString } from 'v8';

export const V8_FLAGS = ['--no-turbo-inlining', '--interrupt-budget=264000', '--no-turbo-loop-peeling', '--no-parallel-scavenge'];

export function tuneV8(flags: readonly string[] = V8_FLAGS): void {
  for (const f of flags) setFlagsFromString(f);
}
