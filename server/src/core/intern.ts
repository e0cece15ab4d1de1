/**
 * One detached copy per distinct name. A substring of 13 or more characters is,
 * in V8, a view that keeps the whole string it was cut from alive (a sliced
 * string): a function name cut from a file's normalised text would keep that
 * text, and its code view, alive for as long as the name lives in an IR, a
 * witness chain or a cache - in the language server, one such text per edit.
 */
const pool = new Map<string, string>();

export function intern(s: string): string {
  let v = pool.get(s);
  if (v === undefined) {
    v = detach(s);
    pool.set(v, v);
  }
  return v;
}

/** A copy of `s` that shares no storage with the text it was cut from. */
export function detach(s: string): string {
  // (slicing a concatenation flattens it into a new string first)
  return s.length < 13 ? s : (' ' + s).slice(1);
}
