import { writeSync } from "node:fs";
import pino, { type DestinationStream, type Logger } from "pino";
import { requestLogFields } from "./observability/request-context.ts";

/** Blanks the password of URLs in a text (`postgres://user:secret@host` → `postgres://user:***@host`). */
export function redactUrls(text: string): string {
  // Every log line passes here; most hold no URL, and a native search is far cheaper than the pattern.
  if (!text.includes("://")) return text;
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, "$1:***@");
}

/**
 * Secrets Flowgate issues, as they appear in text: API keys (`fg_live_…`, `fg_sandbox_…`), magic-link
 * tokens (`fgl_…`), one-time verification link tokens (`fgv_…`, also in `/verify/<token>` paths) and
 * webhook secrets (`whsec_…`, base64). Their prefix is kept, the rest never reaches a log.
 */
const issuedSecret = /(fg_live_|fg_sandbox_|fgl_|fgv_)[A-Za-z0-9_-]+|(whsec_)[A-Za-z0-9+/=]+/g;

/** Masks every issued secret in a text (`fgl_AbC…` → `fgl_[redacted]`), e.g. a whole serialized log line. */
export function redactSecrets(text: string): string {
  if (!text.includes("fg") && !text.includes("whsec_")) return text; // every pattern's prefix
  return text.replace(issuedSecret, (_secret, prefix?: string, webhookPrefix?: string) => {
    return `${prefix ?? webhookPrefix}[redacted]`;
  });
}

/** What a logged error shows: no attached objects, no URL passwords. */
export interface SafeError {
  type: string;
  message: string;
  code?: string;
  reason?: string;
  stack?: string;
  cause?: SafeError;
}

/**
 * Serializes an error for the log with only its type, message, code and stack (and its cause's, a few
 * levels deep), passwords in URLs blanked. Drivers attach objects to errors (`pg` puts the client, with
 * its connection settings, on pool errors), so whole error objects are never logged.
 */
export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error, message: redactUrls(String(error)) };
  const { code, reason } = error as { code?: unknown; reason?: unknown };
  return {
    type: error.name,
    message: redactUrls(error.message),
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof reason === "string" ? { reason } : {}),
    ...(error.stack ? { stack: redactUrls(error.stack) } : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: safeError(error.cause, depth + 1) } : {}),
  };
}

/**
 * Fields blanked wherever they appear at the top of a line or one level down: keys, tokens, secrets,
 * passwords, authorization headers, GraphQL variables and bodies, and graphql-ws connection parameters.
 * Flowgate's own lines never log them; this is the net for a line that would by mistake, before
 * {@link redactSecrets} masks whatever else slipped into a line as text.
 */
export const redactedPaths = [
  ...[
    "apiKey",
    "key",
    "token",
    "secret",
    "password",
    "authorization",
    "cookie",
    "variables",
    "body",
    "connectionParams",
  ].flatMap((field) => [field, `*.${field}`]),
  '*["x-api-key"]',
  '*["x-link-token"]',
  "headers",
  "*.headers",
  'req.headers["x-api-key"]',
  "req.headers.authorization",
  "req.headers.cookie",
];

/** Longest a line waits in {@link BatchedStdout} before it is written. */
const stdoutFlushMs = 20;
/** Characters {@link BatchedStdout} holds before it writes at once. */
const stdoutBatchChars = 64 * 1024;

/**
 * Standard output in batches: the lines logged within {@link stdoutFlushMs} go out in one asynchronous
 * write (pino's sonic-boom). A busy gateway logs a line per request; written one by one (or a few, as
 * sonic-boom gathers them while a write is in flight) each costs a write handed to libuv's thread pool and
 * back. Nothing is lost on a normal exit: whatever is pending is written synchronously when the process
 * exits, whether by `process.exit` (after a fatal line, or a drained shutdown), by an uncaught exception,
 * or because its event loop emptied. (A SIGKILL loses the last {@link stdoutFlushMs}, as it loses the
 * write in flight without it.)
 */
class BatchedStdout {
  readonly #out = pino.destination({ dest: 1, sync: false });
  #pending: string[] = [];
  #chars = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor() {
    // Before pino's own exit hook, which flushes and ends the stream.
    process.prependListener("exit", () => this.flushSync());
  }

  write(line: string): void {
    this.#pending.push(line);
    this.#chars += line.length;
    if (this.#chars >= stdoutBatchChars) this.flush();
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.flush(), stdoutFlushMs);
      this.#timer.unref();
    }
  }

  /** Hands the pending lines to the stream (written asynchronously); pino's `logger.flush(cb)` calls it. */
  flush(callback?: (error?: Error) => void): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length > 0) {
      const text = this.#pending.join("");
      this.#pending = [];
      this.#chars = 0;
      this.#out.write(text);
    }
    callback?.();
  }

  /**
   * Writes whatever the stream holds, then the pending lines, before returning (at exit, when no
   * asynchronous write would complete).
   */
  flushSync(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const text = this.#pending.join("");
    this.#pending = [];
    this.#chars = 0;
    try {
      this.#out.flushSync();
      writeAllSync(1, Buffer.from(text));
    } catch {
      // Closed or broken standard output: nothing more can be written.
    }
  }
}

/** Writes all of `bytes` to `fd`, waiting out a full non-blocking pipe (`EAGAIN`) for up to a second. */
function writeAllSync(fd: number, bytes: Buffer): void {
  let offset = 0;
  let waits = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN" || ++waits > 1000) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

let stdout: BatchedStdout | undefined;

/**
 * The process's one {@link BatchedStdout} (one exit hook, however many loggers write to stdout), or, as
 * pino itself does, `process.stdout` when its `write` was replaced (a test runner capturing output).
 */
function stdoutDestination(): DestinationStream {
  if (process.stdout.write !== Object.getPrototypeOf(process.stdout).write) return process.stdout;
  stdout ??= new BatchedStdout();
  return stdout;
}

/**
 * The process's logger: JSON lines (on stdout, batched by {@link BatchedStdout}, or on `destination`),
 * errors serialized by {@link safeError}, {@link redactedPaths} blanked, every line written while an HTTP
 * request is served tagged with its `requestId`, and every line passed through {@link redactSecrets} and URL
 * password blanking last, so that no issued secret is written at any level.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: "flowgate",
      level,
      serializers: { err: safeError, error: safeError },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      mixin: requestLogFields,
      hooks: { streamWrite: (line) => redactUrls(redactSecrets(line)) },
    },
    destination ?? stdoutDestination(),
  );
}
