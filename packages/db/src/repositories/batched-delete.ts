import { type RawBuilder, sql } from "kysely";
import type { Executor } from "../database.ts";

/**
 * Deletes up to `limit` rows of `table` that are `due` and returns how many: the rows are picked by an
 * index on the `due` columns (`select ctid … limit`) and deleted by `ctid`, with `due` checked again on
 * delete, so a row replaced meanwhile stays. For purges that clear a backlog in short transactions, a
 * batch at a time, until fewer than `limit` go (the engine's `maintenance.purge` job).
 *
 * @param db - The database.
 * @param table - The table.
 * @param due - The condition that makes a row deletable, over the table's own columns (qualify them with
 *   the table's name where a subquery could capture them).
 * @param limit - The most rows deleted.
 * @param pickOnly - A further condition for picking rows, not checked again on delete (e.g. a `not exists`
 *   over another table).
 */
export async function deleteDueBatch(
  db: Executor,
  table: string,
  due: RawBuilder<unknown>,
  limit: number,
  pickOnly?: RawBuilder<unknown>,
): Promise<number> {
  const name = sql.table(table);
  const picked = pickOnly ? sql`${due} and ${pickOnly}` : due;
  const result =
    await sql`delete from ${name} where ctid = any(array(select ctid from ${name} where ${picked} limit ${limit})) and ${due}`.execute(
      db,
    );
  return Number(result.numAffectedRows ?? 0);
}
