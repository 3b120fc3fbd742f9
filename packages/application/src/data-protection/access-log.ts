import { type AccessLogRow, type Db, insertAccessLogEntries, listAccessLogRows } from "@flowgate/db";
import { type Tenant, ValidationError } from "@flowgate/domain";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

export type { AccessLogRow };

/** One record whose personal fields a request read. */
export interface AccessedRecord {
  /** The GraphQL type (or REST resource) read, e.g. `Session`, `Run`, `Entity`. */
  recordType: string;
  recordId: string;
  /** The session the record belongs to, when known. */
  sessionId?: string | null | undefined;
  /** A run whose session the record belongs to (resolved when the row is written). */
  runId?: string | null | undefined;
  /** The personal columns read, as `table.column` of the personal-data definition. */
  fields: readonly string[];
}

/** A read waiting in the buffer. */
interface PendingEntry extends AccessedRecord, Tenant {
  keyId: string;
  channel: string;
  at: Date;
}

/** Most rows one insert writes. */
const batchSize = 500;
/** How long a read waits in the buffer at most before it is written. */
const flushDelayMs = 100;
/** Entries kept while the database is down; beyond this the oldest are dropped (and counted). */
const maxBuffered = 200_000;

/**
 * Writes access-log rows off the request path: reads are buffered in memory and inserted in batches shortly
 * after the response (at most {@link flushDelayMs} later, {@link batchSize} rows per insert). A failed insert
 * keeps its rows for the next attempt. The buffer is per process: a crash loses at most the last
 * ~100 ms of reads, the price of keeping the log off the request path.
 */
class AccessLogBuffer {
  readonly #db: Db;
  #pending: PendingEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  /** Entries dropped because the buffer overflowed during an outage. */
  dropped = 0;

  constructor(db: Db) {
    this.#db = db;
  }

  push(entries: PendingEntry[]): void {
    this.#pending.push(...entries);
    if (this.#pending.length > maxBuffered) {
      this.dropped += this.#pending.length - maxBuffered;
      this.#pending.splice(0, this.#pending.length - maxBuffered);
    }
    if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush().catch(() => this.#retryLater());
      }, flushDelayMs);
      this.#timer.unref();
    }
  }

  #retryLater(): void {
    if (this.#timer || this.#pending.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().catch(() => this.#retryLater());
    }, 1000);
    this.#timer.unref();
  }

  /** Writes everything buffered; resolves once written (rejects when the database refused). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => undefined);
    if (this.#pending.length === 0) return;
    const write = (async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending.slice(0, batchSize);
        await insertAccessLogEntries(
          this.#db,
          batch.map((entry) => ({
            tenant: { workspaceId: entry.workspaceId, environment: entry.environment },
            keyId: entry.keyId,
            recordType: entry.recordType,
            recordId: entry.recordId,
            sessionId: entry.sessionId ?? null,
            runId: entry.runId ?? null,
            fields: [...entry.fields],
            channel: entry.channel,
            at: entry.at,
          })),
        );
        this.#pending.splice(0, batch.length);
      }
    })();
    this.#writing = write;
    try {
      await write;
    } finally {
      this.#writing = undefined;
    }
  }
}

const buffers = new WeakMap<Application, AccessLogBuffer>();

function bufferOf(app: Application): AccessLogBuffer {
  let buffer = buffers.get(app);
  if (!buffer) {
    buffer = new AccessLogBuffer(applicationDeps(app).db);
    buffers.set(app, buffer);
  }
  return buffer;
}

/**
 * Records that `actor` read the personal fields of these records (one entry per request and record). Does
 * no I/O: the rows are written shortly after, in batches. Adapters call it once per request (GraphQL: when
 * an execution or a subscription event is done). No scope: recording is not a read.
 *
 * @param app - The application.
 * @param actor - Who read (the API key).
 * @param records - What was read.
 * @param channel - How: `graphql`, `rest`, `export`, `report`.
 */
export function recordPersonalDataAccess(
  app: Application,
  actor: Actor,
  records: readonly AccessedRecord[],
  channel: string,
): void {
  if (records.length === 0) return;
  const at = new Date();
  bufferOf(app).push(
    records.map((record) => ({
      ...record,
      workspaceId: actor.workspaceId,
      environment: actor.environment,
      keyId: actor.keyId,
      channel,
      at,
    })),
  );
}

/**
 * Writes every buffered access-log row now (at shutdown, and before reading the log back in tests). No
 * scope: it only writes what was recorded.
 *
 * @param app - The application.
 */
export async function flushAccessLog(app: Application): Promise<void> {
  await bufferOf(app).flush();
}

/**
 * The access log of each session (who read which personal fields of it, of its runs and its links, and
 * when), newest first, at most `limit` entries per session; aligned with `sessionIds`. Needs
 * `sessions:read`.
 */
export async function getAccessLogOfSessions(
  app: Application,
  actor: Actor,
  sessionIds: readonly string[],
  limit = 100,
): Promise<AccessLogRow[][]> {
  requireScope(actor, "sessions:read");
  const { db } = applicationDeps(app);
  return Promise.all(sessionIds.map((sessionId) => listAccessLogRows(db, actor, { sessionId, limit })));
}

/**
 * The audit export of the access log: the tenant's reads of personal data in a time window, oldest first,
 * a page at a time (`after` is the last entry's id of the previous page). Needs `admin`.
 *
 * @throws ValidationError when `first` is out of 1–5000 or the window is reversed.
 */
export async function exportAccessLog(
  app: Application,
  actor: Actor,
  input: { since?: Date | null; until?: Date | null; after?: string | null; first?: number | null },
): Promise<{ entries: AccessLogRow[]; nextCursor: string | null }> {
  requireScope(actor, "admin");
  const first = input.first ?? 1000;
  if (!Number.isInteger(first) || first < 1 || first > 5000) {
    throw new ValidationError("Invalid page", [{ path: ["first"], message: "must be from 1 to 5000" }]);
  }
  if (input.since && input.until && input.since > input.until) {
    throw new ValidationError("Invalid window", [{ path: ["until"], message: "must not be before since" }]);
  }
  if (input.after && !/^\d+$/.test(input.after)) {
    throw new ValidationError("Invalid cursor", [{ path: ["after"], message: "not a cursor of this log" }]);
  }
  const entries = await listAccessLogRows(applicationDeps(app).db, actor, {
    since: input.since ?? null,
    until: input.until ?? null,
    afterId: input.after ?? null,
    limit: first,
    order: "asc",
  });
  return { entries, nextCursor: entries.length === first ? (entries.at(-1)?.id ?? null) : null };
}
