import { createRequire } from "node:module";
import type * as IORedis from "ioredis";
import type * as Nodemailer from "nodemailer";
import type * as Undici from "undici";

const require = createRequire(import.meta.url);

function once<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

/**
 * The Redis client (ioredis), loaded when a Redis event bus or rate limiter is first built: a process
 * without `REDIS_URL` never loads it. Like the two below it is a CommonJS package, so it loads
 * synchronously where it is first needed; together the three are about 190 modules (2 MB of JavaScript)
 * that a start would otherwise load and evaluate for nothing.
 */
export const ioredis = once(() => require("ioredis") as typeof IORedis);

/** nodemailer, loaded when an SMTP sender is first built (`SMTP_URL`). */
export const nodemailer = once(() => require("nodemailer") as typeof Nodemailer);

/** undici, loaded by the first outbound HTTP call (an http task, a webhook delivery, autofill). */
export const undici = once(() => require("undici") as typeof Undici);
