/**
 * The event queue: a 4-ary min-heap on typed arrays, ordered by time then by
 * insertion sequence (FIFO among equal times, so runs are reproducible and
 * zero-delay hand-offs keep their causal order). An event is (time, payload),
 * the payload an int32 the engine decodes; a stale event is skipped by the
 * engine (token check), never removed from the heap.
 */
export class EventHeap {
  private time: Float64Array;
  private seq: Float64Array;
  private data: Int32Array;
  private n = 0;
  private counter = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.data = new Int32Array(capacity);
  }

  get size(): number { return this.n; }

  /** Sequence number of the event last popped. */
  lastSeq = 0;

  /** Adds an event; returns its sequence number (unique, increasing). */
  push(t: number, payload: number): number {
    if (this.n === this.time.length) this.grow();
    const time = this.time, seq = this.seq, data = this.data;
    const s = this.counter++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pt = time[p];
      if (pt < t || (pt === t && seq[p] < s)) break;
      time[i] = pt; seq[i] = seq[p]; data[i] = data[p];
      i = p;
    }
    time[i] = t; seq[i] = s; data[i] = payload;
    return s;
  }

  /** Time of the earliest event (the heap must not be empty). */
  peekTime(): number { return this.time[0]; }

  /** Removes the earliest event and returns its payload; its time was peekTime(). */
  pop(): number {
    const time = this.time, seq = this.seq, data = this.data;
    const top = data[0];
    this.lastSeq = seq[0];
    const n = --this.n;
    if (n === 0) return top;
    const t = time[n], s = seq[n], d = data[n];
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      // The smallest of up to four children (a 4-ary heap: half the depth of a binary one).
      let c = first;
      let ct = time[first], cs = seq[first];
      const last = first + 4 < n ? first + 4 : n;
      for (let j = first + 1; j < last; j++) {
        const jt = time[j];
        if (jt < ct || (jt === ct && seq[j] < cs)) { c = j; ct = jt; cs = seq[j]; }
      }
      if (t < ct || (t === ct && s < cs)) break;
      time[i] = ct; seq[i] = cs; data[i] = data[c];
      i = c;
    }
    time[i] = t; seq[i] = s; data[i] = d;
    return top;
  }

  clear(): void { this.n = 0; }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap); t.set(this.time); this.time = t;
    const s = new Float64Array(cap); s.set(this.seq); this.seq = s;
    const d = new Int32Array(cap); d.set(this.data); this.data = d;
  }
}
