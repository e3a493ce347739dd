/**
 * Bench only: `BENCH_REMOTE_MS` (lib/env.ts; scripts/bench.mjs sets it on a loopback worker) adds that delay to every
 * D1 call and every call into a conversation object, as the network would on Cloudflare (D1 is one region away; an
 * object is a hop away), so round trips before the first token show in local workerd, where they cost microseconds.
 * 0 (the default): the target itself.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every method call on `target` (a conversation handle) waits first. */
export function emulateRemoteLatency<T extends object>(target: T, ms: number): T {
  if (!ms) return target;
  return new Proxy(target, {
    get(object, key) {
      if (key === "then") return undefined; // not a thenable
      const value = Reflect.get(object, key) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await sleep(ms);
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

/** Every D1 query and batch waits first. */
export function emulateRemoteD1(db: D1Database, ms: number): D1Database {
  if (!ms) return db;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, key) {
        if (key === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== "function") return value;
        const method = value as (...a: unknown[]) => unknown;
        if (key === "first" || key === "all" || key === "run" || key === "raw") {
          return async (...args: unknown[]) => {
            await sleep(ms);
            return method.apply(target, args);
          };
        }
        return method.bind(target);
      },
    });
    real.set(proxy, statement);
    return proxy;
  };
  return new Proxy(db, {
    get(target, key) {
      if (key === "prepare") return (query: string) => wrap(target.prepare(query));
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          await sleep(ms);
          return target.batch(statements.map((statement) => real.get(statement) ?? statement));
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
