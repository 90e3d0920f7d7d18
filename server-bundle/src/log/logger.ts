// A small structured logger shared by every role: one JSON object per line on stderr (or a sink).
// It never logs secrets or message bodies: fields whose names look secret are redacted, long
// strings are cut, and callers pass facts (ids, sizes, codes), never content.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry (e.g. { role: 'mx' }, { session: id }). */
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_NAME = /pass|secret|token|key|auth.*data|credential|body|content|raw|message$/i;
const MAX_STRING = 512;

function clean(value: unknown, depth = 0): unknown {
  if (value == null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: clean(value.message),
      ...(code !== undefined ? { code: clean(code) } : {}),
    };
  }
  if (depth > 3) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => clean(v, depth + 1));
  if (typeof value === 'object') return redact(value as LogFields, depth + 1);
  return String(value);
}

/** Replaces values of secret-looking fields and shortens the rest (also used on log lines read back). */
export function redact(fields: LogFields, depth = 0): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] =
      SECRET_NAME.test(k) && !(typeof v === 'number' || typeof v === 'boolean')
        ? '[redacted]'
        : clean(v, depth);
  }
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to process.stderr. */
  sink?: (line: string) => void;
  fields?: LogFields;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min =
    ORDER[opts.level ?? (process.env.FACTEUR_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? ORDER.info;
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, event: string, fields?: LogFields) => {
      if (ORDER[level] < min) return;
      sink(
        JSON.stringify({
          t: new Date().toISOString(),
          level,
          event,
          ...base,
          ...(fields ? redact(fields) : {}),
        }),
      );
    };
    return {
      debug: (e, f) => emit('debug', e, f),
      info: (e, f) => emit('info', e, f),
      warn: (e, f) => emit('warn', e, f),
      error: (e, f) => emit('error', e, f),
      child: (f) => make({ ...base, ...redact(f) }),
    };
  };
  return make(opts.fields ? redact(opts.fields) : {});
}

/** Discards everything (tests that do not look at logs). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
