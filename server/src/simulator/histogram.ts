/**
 * Streaming latency statistics in constant memory: exact count, sum, min and
 * max, and a log-linear histogram (32 sub-buckets per power of two, so a
 * percentile is within about 1.1 % of the true value) from 2^-10 us (about
 * 1 ns) to 2^40 us (about 12 days). No per-sample arrays.
 */
const SUB_BITS = 5;
const SUB = 1 << SUB_BITS;
const MIN_EXP = -10;
const MAX_EXP = 40;
const NBUCKETS = (MAX_EXP - MIN_EXP) * SUB + 1;

export class LatencyHistogram {
  readonly counts = new Float64Array(NBUCKETS);
  count = 0;
  sum = 0;
  max = 0;
  min = Infinity;

  record(v: number): void {
    if (!(v > 0)) v = 0;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
    this.counts[bucketOf(v)]++;
  }

  mean(): number { return this.count ? this.sum / this.count : 0; }

  /** Value at quantile q in [0, 1], interpolated inside its bucket, clamped to [min, max]. */
  quantile(q: number): number {
    if (!this.count) return 0;
    const target = q * this.count;
    let acc = 0;
    const counts = this.counts;
    for (let i = 0; i < NBUCKETS; i++) {
      const c = counts[i];
      if (c === 0) continue;
      if (acc + c >= target) {
        const lo = bucketLow(i), hi = bucketLow(i + 1);
        const v = lo + (hi - lo) * Math.min(1, Math.max(0, (target - acc) / c));
        return Math.min(this.max, Math.max(this.min, v));
      }
      acc += c;
    }
    return this.max;
  }

  /**
   * A coarse copy for charts: `per_octave` buckets per power of two over the
   * occupied range, at most 8 * 50 rows. Each row is [upper_bound_us, count].
   */
  export(perOctave = 4): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (!this.count) return out;
    const step = SUB / perOctave;
    let first = -1, last = -1;
    for (let i = 0; i < NBUCKETS; i++) if (this.counts[i]) { if (first < 0) first = i; last = i; }
    first -= first % step;
    for (let i = first; i <= last; i += step) {
      let c = 0;
      for (let j = i; j < i + step && j < NBUCKETS; j++) c += this.counts[j];
      out.push([round4(bucketLow(Math.min(i + step, NBUCKETS))), c]);
    }
    return out;
  }
}

// The bucket comes straight from the IEEE-754 bits: exponent and top mantissa bits.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word second

function bucketOf(v: number): number {
  if (v < 2 ** MIN_EXP) return 0;
  f64[0] = v;
  const hi = u32[HI];
  const e = ((hi >>> 20) & 0x7ff) - 1023;
  if (e >= MAX_EXP) return NBUCKETS - 1;
  return (e - MIN_EXP) * SUB + ((hi >>> (20 - SUB_BITS)) & (SUB - 1));
}

function bucketLow(i: number): number {
  if (i <= 0) return 0;
  const e = Math.floor(i / SUB) + MIN_EXP;
  return 2 ** e * (1 + (i % SUB) / SUB);
}

function round4(x: number): number {
  return Number(x.toPrecision(4));
}
