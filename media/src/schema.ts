/**
 * A small structural checker for the messages that cross the webview
 * boundary (extension host <-> page <-> worker). Every incoming message is
 * checked against a schema; anything malformed is dropped with the reason.
 * Pure: no DOM, no Node (the extension host and the page both use it).
 */

export type Check<T> = (value: unknown, path: string) => T;

export class SchemaError extends Error {}

function fail(path: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new SchemaError(`${path || 'message'}: expected ${expected}, got ${got}`);
}

export const str = (maxLength = 1_000_000): Check<string> => (v, p) => {
  if (typeof v !== 'string') fail(p, 'a string', v);
  if (v.length > maxLength) throw new SchemaError(`${p}: string longer than ${maxLength}`);
  return v;
};

export const num = (min = -Infinity, max = Infinity): Check<number> => (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(p, 'a finite number', v);
  if (v < min || v > max) throw new SchemaError(`${p}: ${v} is out of range [${min}, ${max}]`);
  return v;
};

export const int = (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check<number> => (v, p) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(p, 'an integer', v);
  if (v < min || v > max) throw new SchemaError(`${p}: ${v} is out of range [${min}, ${max}]`);
  return v;
};

export const bool: Check<boolean> = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'a boolean', v);
  return v;
};

export const oneOf = <T extends string>(...values: T[]): Check<T> => (v, p) => {
  if (typeof v !== 'string' || !(values as string[]).includes(v)) fail(p, `one of ${values.join('|')}`, v);
  return v as T;
};

export const arr = <T>(item: Check<T>, maxItems = 100_000): Check<T[]> => (v, p) => {
  if (!Array.isArray(v)) fail(p, 'an array', v);
  if (v.length > maxItems) throw new SchemaError(`${p}: more than ${maxItems} items`);
  return v.map((x, i) => item(x, `${p}[${i}]`));
};

export const opt = <T>(check: Check<T>): Check<T | undefined> => (v, p) => (v === undefined ? undefined : check(v, p));

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with these fields (extra fields are dropped, so nothing unchecked passes through). */
export const obj = <S extends Shape>(shape: S): Check<Out<S>> => (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object', v);
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(shape)) {
    const r = check((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k);
    if (r !== undefined) out[k] = r;
  }
  return out as Out<S>;
};

/** A string-keyed record of values (bounded in size). */
export const record = <T>(value: Check<T>, maxKeys = 200): Check<Record<string, T>> => (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'an object', v);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > maxKeys) throw new SchemaError(`${p}: more than ${maxKeys} keys`);
  const out: Record<string, T> = {};
  for (const [k, x] of entries) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new SchemaError(`${p}: forbidden key ${k}`);
    out[k] = value(x, `${p}.${k}`);
  }
  return out;
};

export const scalar: Check<number | boolean | string> = (v, p) => {
  if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200)) return v;
  return fail(p, 'a number, boolean or short string', v);
};

/** A tagged union on `type`. */
export const tagged = <M extends Record<string, Check<unknown>>>(variants: M): Check<ReturnType<M[keyof M]>> => (v, p) => {
  if (typeof v !== 'object' || v === null) fail(p, 'an object', v);
  const tag = (v as { type?: unknown }).type;
  if (typeof tag !== 'string' || !Object.prototype.hasOwnProperty.call(variants, tag)) {
    throw new SchemaError(`${p ? p + '.' : ''}type: unknown message type ${JSON.stringify(tag)?.slice(0, 60)}`);
  }
  return variants[tag](v, p) as ReturnType<M[keyof M]>;
};

export const literal = <T extends string>(value: T): Check<T> => (v, p) => {
  if (v !== value) fail(p, JSON.stringify(value), v);
  return value;
};

/** Anything JSON-like, bounded in depth and size (for opaque payloads such as results). */
export const json = (maxDepth = 8): Check<unknown> => (v, p) => {
  const walk = (x: unknown, depth: number, at: string): void => {
    if (x === null || typeof x === 'boolean' || typeof x === 'string') return;
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) fail(at, 'a finite number', x);
      return;
    }
    if (depth > maxDepth) throw new SchemaError(`${at}: nested deeper than ${maxDepth}`);
    if (Array.isArray(x)) return x.forEach((y, i) => walk(y, depth + 1, `${at}[${i}]`));
    if (typeof x === 'object') {
      for (const [k, y] of Object.entries(x as Record<string, unknown>)) walk(y, depth + 1, `${at}.${k}`);
      return;
    }
    fail(at, 'JSON data', x);
  };
  walk(v, 0, p);
  return v;
};

/** Checks `value`; returns it typed, or the reason it was rejected. */
export function parse<T>(check: Check<T>, value: unknown): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: check(value, '') };
  } catch (e) {
    if (e instanceof SchemaError) return { ok: false, error: e.message };
    throw e;
  }
}
