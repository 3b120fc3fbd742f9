import type { DatabaseAvailability, Db } from "@flowgate/db";
import { sql } from "kysely";

/** The answer of `/ready`. */
export interface Readiness {
  /** Whether this process can serve requests now. */
  ready: boolean;
  /** Whether the database answered (it is not checked while known to be down). */
  database: "ok" | "unavailable";
  /** Whether the migrations of this version have been applied. */
  migrations: "done" | "pending";
}

/**
 * Checks whether a process can serve (its `/ready` probe): the database answers `select 1` within `timeoutMs` and the
 * migrations are done. While the database is known to be down (see `DatabaseAvailability`) the answer
 * is "unavailable" at once.
 */
export async function checkReadiness(
  database: { db: Db; availability?: Pick<DatabaseAvailability, "available"> },
  migrated: boolean,
  timeoutMs = 2000,
): Promise<Readiness> {
  const reachable = (database.availability?.available ?? true) && (await answers(database.db, timeoutMs));
  return {
    ready: reachable && migrated,
    database: reachable ? "ok" : "unavailable",
    migrations: migrated ? "done" : "pending",
  };
}

async function answers(db: Db, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(
        () => true,
        () => false,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
