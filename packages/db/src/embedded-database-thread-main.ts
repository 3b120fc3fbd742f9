/**
 * The program of the embedded database's thread (see `embedded-database-thread.ts`): opens PGlite in the
 * data directory it is given, then answers the requests its parent posts — a query (inside the open
 * transaction or not), begin, commit, rollback, close — one reply per request, carrying the result or the
 * error's fields.
 */
import { enableCompileCache } from "node:module";
import { parentPort, workerData } from "node:worker_threads";
import type { Transaction } from "@electric-sql/pglite";
import type { ThreadReply, ThreadRequest } from "./embedded-database-thread.ts";

const port = parentPort;
if (!port) throw new Error("embedded-database-thread-main.ts runs in a worker thread");

// A worker thread has a module loader of its own: it reuses compiled PGlite from Node's compile cache (as
// the main thread does, see apps/gateway/src/main.ts) only when this is on before PGlite loads.
enableCompileCache();
const { openEmbeddedDatabase } = await import("./embedded-database.ts");

const pglite = openEmbeddedDatabase((workerData as { dataDir?: string }).dataDir);
pglite.waitReady.then(
  () => port.postMessage({ id: 0, ok: true, result: null } satisfies ThreadReply),
  (error: unknown) => port.postMessage({ id: 0, ok: false, error: errorFields(error) } satisfies ThreadReply),
);

/** The open transaction: its handle, and how to end it (PGlite commits when the callback returns). */
let open: { tx: Transaction; end: (commit: boolean) => void; closed: Promise<unknown> } | undefined;

async function handle(request: ThreadRequest): Promise<unknown> {
  switch (request.op) {
    case "query": {
      const target = request.inTransaction ? open?.tx : pglite;
      if (!target) throw new Error("No transaction is open");
      const { rows, affectedRows, fields } = await target.query(request.sql, request.params, {
        rowMode: "object",
      });
      return { rows, affectedRows, fields };
    }
    case "begin": {
      if (open) throw new Error("A transaction is already open");
      let begun!: () => void;
      const started = new Promise<void>((resolve) => {
        begun = resolve;
      });
      let end!: (commit: boolean) => void;
      const ended = new Promise<boolean>((resolve) => {
        end = resolve;
      });
      const closed = pglite.transaction(async (tx) => {
        open = { tx, end, closed };
        begun();
        if (!(await ended)) await tx.rollback();
      });
      closed.catch(() => {});
      // BEGIN itself may fail, before the callback runs.
      await Promise.race([started, closed]);
      return null;
    }
    case "commit":
    case "rollback": {
      const ending = open;
      if (!ending) throw new Error("No transaction is open");
      ending.end(request.op === "commit");
      try {
        // PGlite throws 25P02 when a failed transaction's COMMIT rolled it back.
        await ending.closed;
      } finally {
        open = undefined;
      }
      return null;
    }
    case "close":
      await pglite.close();
      return null;
  }
}

port.on("message", (request: ThreadRequest) => {
  handle(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies ThreadReply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: errorFields(error) } satisfies ThreadReply),
  );
  if (request.op === "close") port.unref();
});

/** An error as data that crosses threads: its message, name, stack and own fields (`code`, `detail`, …). */
function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  for (const [key, value] of Object.entries(error)) {
    // `queryOptions` may hold functions (parsers), which cannot be posted.
    if (key !== "queryOptions" && typeof value !== "function") fields[key] = value;
  }
  return fields;
}
