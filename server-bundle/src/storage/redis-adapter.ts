// The only module that imports ioredis. Everything else talks to Redis through RedisConnection:
// the login throttle (atomic Lua scripts), and the new-mail notifier (publish / subscribe).
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions as IoRedisOptions } from 'ioredis';

export interface RedisOptions {
  /** redis://[:password@]host:port[/db]; or host/port, or path (unix socket). */
  url?: string;
  host?: string;
  port?: number;
  path?: string;
  password?: string;
  db?: number;
  /** Prepended to every key and channel (e.g. 'facteur:'), so one Redis can serve several stacks. */
  keyPrefix?: string;
  /** A command that takes longer fails instead of hanging a login. Default 2000 ms. */
  commandTimeoutMs?: number;
  /** Connect timeout, ms. Default 2000. */
  connectTimeoutMs?: number;
}

/** A Lua script run with EVALSHA (falling back to EVAL once per connection when Redis lacks it). */
export interface RedisScript {
  readonly lua: string;
  readonly sha1: string;
}

export function defineScript(lua: string): RedisScript {
  return { lua, sha1: createHash('sha1').update(lua).digest('hex') };
}

export interface RedisConnection {
  /** Keys are prefixed with keyPrefix; args are passed as-is. */
  runScript(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts?: { ttlMs?: number }): Promise<void>;
  del(...keys: string[]): Promise<number>;
  /** INCRBY: returns the new value (counters, start counts). */
  incrBy(key: string, by: number): Promise<number>;
  /** Remaining time to live in ms; -2 when the key does not exist, -1 when it has no expiry. */
  pttl(key: string): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  /**
   * Subscribes on a dedicated connection (opened on first use). Resolves when Redis confirmed the
   * subscription; the returned function unsubscribes this handler.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** Resolves once connected (commands issued before are queued for at most commandTimeoutMs). */
  ready(): Promise<void>;
  quit(): Promise<void>;
}

function toIoOptions(o: RedisOptions): IoRedisOptions {
  const base: IoRedisOptions = {
    commandTimeout: o.commandTimeoutMs ?? 2000,
    connectTimeout: o.connectTimeoutMs ?? 2000,
    maxRetriesPerRequest: 1,
    // Reconnect forever with a capped backoff: Redis restarting must not take the roles down.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  };
  if (o.path) base.path = o.path;
  if (o.host) base.host = o.host;
  if (o.port) base.port = o.port;
  if (o.password) base.password = o.password;
  if (o.db !== undefined) base.db = o.db;
  return base;
}

class IoRedisConnection implements RedisConnection {
  readonly #opts: RedisOptions;
  readonly #client: Redis;
  readonly #prefix: string;
  #sub: Redis | undefined;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();

  constructor(opts: RedisOptions) {
    this.#opts = opts;
    this.#prefix = opts.keyPrefix ?? '';
    this.#client = opts.url ? new Redis(opts.url, toIoOptions(opts)) : new Redis(toIoOptions(opts));
    // Errors surface on the commands that fail; without a listener ioredis would print them.
    this.#client.on('error', () => {});
  }

  #k(key: string): string {
    return this.#prefix + key;
  }

  async runScript(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const k = keys.map((x) => this.#k(x));
    try {
      return await this.#client.evalsha(script.sha1, k.length, ...k, ...args);
    } catch (err) {
      if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      return await this.#client.eval(script.lua, k.length, ...k, ...args);
    }
  }

  async get(key: string): Promise<string | null> {
    return this.#client.get(this.#k(key));
  }

  async set(key: string, value: string, opts: { ttlMs?: number } = {}): Promise<void> {
    if (opts.ttlMs) await this.#client.set(this.#k(key), value, 'PX', Math.max(1, Math.ceil(opts.ttlMs)));
    else await this.#client.set(this.#k(key), value);
  }

  async del(...keys: string[]): Promise<number> {
    if (!keys.length) return 0;
    return this.#client.del(...keys.map((k) => this.#k(k)));
  }

  async incrBy(key: string, by: number): Promise<number> {
    return this.#client.incrby(this.#k(key), by);
  }

  async pttl(key: string): Promise<number> {
    return this.#client.pttl(this.#k(key));
  }

  async publish(channel: string, message: string): Promise<number> {
    return this.#client.publish(this.#k(channel), message);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const full = this.#k(channel);
    if (!this.#sub) {
      this.#sub = this.#opts.url
        ? new Redis(this.#opts.url, toIoOptions(this.#opts))
        : new Redis(toIoOptions(this.#opts));
      this.#sub.on('error', () => {});
      this.#sub.on('message', (ch: string, msg: string) => {
        for (const h of this.#handlers.get(ch) ?? []) {
          try {
            h(msg);
          } catch {
            // a failing handler must not stop the others
          }
        }
      });
    }
    let set = this.#handlers.get(full);
    if (!set) {
      set = new Set();
      this.#handlers.set(full, set);
      await this.#sub.subscribe(full);
    }
    set.add(onMessage);
    return async () => {
      const s = this.#handlers.get(full);
      if (!s) return;
      s.delete(onMessage);
      if (!s.size) {
        this.#handlers.delete(full);
        await this.#sub?.unsubscribe(full).catch(() => {});
      }
    };
  }

  async ready(): Promise<void> {
    if (this.#client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        cleanup();
        resolve();
      };
      const onEnd = () => {
        cleanup();
        reject(new Error('redis connection ended'));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('redis not ready in time'));
      }, this.#opts.connectTimeoutMs ?? 2000);
      const cleanup = () => {
        clearTimeout(timer);
        this.#client.off('ready', onReady);
        this.#client.off('end', onEnd);
      };
      this.#client.on('ready', onReady);
      this.#client.on('end', onEnd);
    });
  }

  async quit(): Promise<void> {
    const close = async (c: Redis | undefined) => {
      if (!c) return;
      try {
        await c.quit();
      } catch {
        c.disconnect();
      }
    };
    await Promise.all([close(this.#client), close(this.#sub)]);
    this.#handlers.clear();
  }
}

export function connectRedis(opts: RedisOptions): RedisConnection {
  return new IoRedisConnection(opts);
}
