import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";

/**
 * PostgreSQL's `shared_buffers` for the embedded database. PGlite's default (128 MB) is zeroed by the
 * WebAssembly build on every start, which took about a third of the embedded database's start-up time;
 * 16 MB keeps start-up short and the resident memory small. PGlite reads its data files through the
 * operating system, whose page cache holds what does not fit.
 */
export const embeddedSharedBuffers = "16MB";

/**
 * Starts opening Flowgate's embedded PostgreSQL (PGlite) in `dataDir` (created with its parents when
 * missing), or in memory without one, on this thread. Returns at once: the instance is usable after
 * `waitReady` and queues queries until then. `createDatabase` opens PGlite with it, and so does the thread
 * of an `EmbeddedDatabaseThread`, so both open the same way.
 */
export function openEmbeddedDatabase(dataDir?: string): PGlite {
  // PGlite creates its data directory but not the directories above it.
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(dataDir ? { dataDir } : {}),
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${embeddedSharedBuffers}`],
  });
  // A failure to open reaches whoever uses the database first (Kysely's driver awaits `waitReady`); until
  // then it is not an unhandled rejection.
  pglite.waitReady.catch(() => {});
  return pglite;
}
