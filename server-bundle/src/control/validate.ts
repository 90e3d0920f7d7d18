// Request body validation for the control API: small composable checks that build typed values
// and refuse unknown fields. Messages name the field and the rule, never the value received.
import { ApiError } from './api-error.ts';

export type Check<T> = (value: unknown, path: string) => T;

function fail(path: string, rule: string): never {
  throw new ApiError(400, 'INVALID', `${path || 'body'} ${rule}`);
}

export function str(
  opts: { min?: number; max?: number; pattern?: RegExp; what?: string } = {},
): Check<string> {
  const min = opts.min ?? 1;
  const max = opts.max ?? 1024;
  return (v, path) => {
    if (typeof v !== 'string') fail(path, 'must be a string');
    if (v.length < min || v.length > max) fail(path, `must be ${min} to ${max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) fail(path, `must be ${opts.what ?? 'well formed'}`);
    return v;
  };
}

export function int(opts: { min?: number; max?: number } = {}): Check<number> {
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'must be an integer');
    if (v < min || v > max) fail(path, `must be between ${min} and ${max}`);
    return v;
  };
}

/** A finite number (fractions allowed) within [min, max]. */
export function num(opts: { min: number; max: number }): Check<number> {
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'must be a number');
    if (v < opts.min || v > opts.max) fail(path, `must be between ${opts.min} and ${opts.max}`);
    return v;
  };
}

export const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') fail(path, 'must be true or false');
  return v;
};

export function oneOf<T extends string>(...values: T[]): Check<T> {
  return (v, path) => {
    if (typeof v !== 'string' || !(values as string[]).includes(v))
      fail(path, `must be one of ${values.join(', ')}`);
    return v as T;
  };
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : check(v, path));
}

export function list<T>(check: Check<T>, opts: { min?: number; max?: number } = {}): Check<T[]> {
  const min = opts.min ?? 0;
  const max = opts.max ?? 100;
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, 'must be a list');
    if (v.length < min || v.length > max) fail(path, `must hold ${min} to ${max} items`);
    return v.map((x, i) => check(x, `${path}[${i}]`));
  };
}

/** Base64 (standard or url-safe) decoding to bytes, with a length range. */
export function base64Bytes(opts: { min?: number; max?: number } = {}): Check<Buffer> {
  return (v, path) => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) fail(path, 'must be base64');
    const b = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
    if (b.length < (opts.min ?? 1) || b.length > (opts.max ?? 65536)) fail(path, 'has the wrong length');
    return b;
  };
}

type Shape = Record<string, Check<unknown>>;
type Optional = { optional: true };
type Out<S extends Shape> = {
  [K in keyof S]: S[K] extends Check<infer T> & Optional
    ? T | undefined
    : S[K] extends Check<infer T>
      ? T
      : never;
};

/** Marks a field that may be absent. */
export function optional<T>(check: Check<T>): Check<T> & Optional {
  return Object.assign((v: unknown, path: string) => check(v, path), { optional: true as const });
}

export function object<S extends Shape>(shape: S): Check<Out<S>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be a JSON object');
    const input = v as Record<string, unknown>;
    for (const k of Object.keys(input))
      if (!(k in shape)) fail(path ? `${path}.${k}` : k, 'is not a known field');
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const p = path ? `${path}.${k}` : k;
      if (input[k] === undefined) {
        if ((check as Partial<Optional>).optional) continue;
        fail(p, 'is required');
      }
      out[k] = check(input[k], p);
    }
    return out as Out<S>;
  };
}

export function parseBody<T>(check: Check<T>, body: unknown): T {
  return check(body, '');
}
