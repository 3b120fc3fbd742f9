import {
  personalColumns,
  personalDataPolicy,
  type Redaction,
  type SubjectLink,
  subjectTables,
} from "@flowgate/domain";
import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { Executor } from "../database.ts";

/** Whose data: a verification session (`ses_…`) or an identity (a DDQ entity, `ent_…`). */
export type DataSubject = "session" | "identity";

/**
 * The condition selecting the rows of `table` that belong to the subject `subjectId`, following the links
 * of the personal-data definition through parent tables (e.g. `run_events` → `runs` → `sessions`). Columns
 * are qualified with `alias`.
 */
function subjectCondition(
  table: string,
  alias: string,
  subject: DataSubject,
  subjectIds: readonly string[],
  depth = 0,
): RawBuilder<SqlBool> {
  const links: readonly SubjectLink[] = personalDataPolicy[table]?.[subject] ?? [];
  if (links.length === 0) throw new Error(`Table ${table} holds no ${subject} data`);
  if (depth > 8) throw new Error(`Subject links of ${table} are too deep`);
  const conditions = links.map((link) => {
    if (link === "self") return sql<SqlBool>`${sql.ref(`${alias}.id`)} in (${sql.join(subjectIds)})`;
    if ("mentions" in link) {
      // Ids are [a-z0-9_] only: no LIKE wildcard to escape.
      const patterns = subjectIds.map((id) => `%${id}%`);
      return sql<SqlBool>`${sql.ref(`${alias}.${link.mentions}`)} like any (array[${sql.join(patterns)}]::text[])`;
    }
    const parentAlias = `p${depth + 1}`;
    return sql<SqlBool>`${sql.ref(`${alias}.${link.column}`)} in (
      select ${sql.ref(`${parentAlias}.${link.parentColumn ?? "id"}`)}
      from ${sql.table(link.parent)} as ${sql.raw(parentAlias)}
      where ${subjectCondition(link.parent, parentAlias, subject, subjectIds, depth + 1)})`;
  });
  return sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
}

/**
 * The JSON object `value` with only its `keep` keys whose values are scalars, plus `"redacted": true`
 * (`value` is known to be an object).
 */
function scrubbedObject(value: RawBuilder<unknown>, keep: readonly string[]): RawBuilder<unknown> {
  const keys = keep.length > 0 ? sql.join(keep.map((key) => sql`${key}`)) : sql`null`;
  return sql`(coalesce(
    (select jsonb_object_agg(kv.key, kv.value) from jsonb_each(${value}) as kv
      where kv.key in (${keys}) and jsonb_typeof(kv.value) in ('string', 'number', 'boolean', 'null')),
    '{}'::jsonb) || '{"redacted": true}'::jsonb)`;
}

/** The SQL expression a personal column becomes when redacted. */
function redactedValue(column: string, redaction: Redaction): RawBuilder<unknown> {
  const ref = sql.ref(column);
  switch (redaction.kind) {
    case "null":
      return sql`null`;
    case "text":
      return sql`${redaction.value}`;
    case "json":
      return sql`${JSON.stringify(redaction.value)}::jsonb`;
    case "emptyArray":
      return sql`'{}'`;
    case "scrubJsonText": {
      const parsed = sql`(${ref})::jsonb`;
      const nested = Object.entries(redaction.within ?? {}).map(
        ([key, keys]) => sql`case when jsonb_typeof(${parsed} -> ${key}) = 'object'
          then jsonb_build_object(${key}::text, ${scrubbedObject(sql`${parsed} -> ${key}`, keys)})
          else '{}'::jsonb end`,
      );
      return sql`case
        when ${ref} is null then null
        when left(ltrim(${ref}), 1) <> '{' then '{"redacted":true}'
        else (${scrubbedObject(parsed, redaction.keep)}${sql.join(
          nested.map((part) => sql` || ${part}`),
          sql``,
        )})::text end`;
    }
    case "scrubJson": {
      const keep = redaction.keep.length > 0 ? sql.join(redaction.keep.map((key) => sql`${key}`)) : sql`null`;
      return sql`case
        when ${ref} is null then null
        when jsonb_typeof(${ref}) = 'object' then coalesce(
          (select jsonb_object_agg(kv.key, kv.value) from jsonb_each(${ref}) as kv
            where kv.key in (${keep}) and jsonb_typeof(kv.value) in ('string', 'number', 'boolean', 'null')),
          '{}'::jsonb) || '{"redacted": true}'::jsonb
        else '{"redacted": true}'::jsonb end`;
    }
  }
}

/**
 * Removes a subject's personal data from every table that holds some, as the personal-data definition
 * says: personal columns are nulled, overwritten or scrubbed (rows kept as the audit skeleton), or rows
 * are deleted for `deleteRow` tables, for one subject or many at once (bulk jobs). Idempotent. Call it in the transaction that marks the subject
 * redacted; the caller has checked tenancy and holds.
 *
 * @returns How many rows of each table were rewritten or deleted.
 */
export async function redactSubjectRows(
  db: Executor,
  subject: DataSubject,
  subjectIds: string | readonly string[],
): Promise<Record<string, number>> {
  const ids = typeof subjectIds === "string" ? [subjectIds] : subjectIds;
  const counts: Record<string, number> = {};
  if (ids.length === 0) return counts;
  // Children first, so deleting rows never breaks the links of tables still to do.
  for (const table of subjectTables(subject).reverse()) {
    const policy = personalDataPolicy[table];
    if (!policy) continue;
    const where = subjectCondition(table, "t", subject, ids);
    if (policy.redaction === "deleteRow") {
      const result = await sql`delete from ${sql.table(table)} as t where ${where}`.execute(db);
      counts[table] = Number(result.numAffectedRows ?? 0);
      continue;
    }
    const columns = personalColumns(table);
    if (columns.length === 0) continue;
    const sets = columns.map(
      ({ column, redact }) => sql`${sql.ref(column)} = ${redactedValue(column, redact)}`,
    );
    const result = await sql`update ${sql.table(table)} as t set ${sql.join(sets)} where ${where}`.execute(
      db,
    );
    counts[table] = Number(result.numAffectedRows ?? 0);
  }
  return counts;
}

/**
 * Every row held about a subject, table by table (parents first), with every column as stored (snake_case
 * names, JSON as objects) — the records of a DSAR export.
 */
export async function selectSubjectRows(
  db: Executor,
  subject: DataSubject,
  subjectId: string,
): Promise<Record<string, Record<string, unknown>[]>> {
  const rows: Record<string, Record<string, unknown>[]> = {};
  for (const table of subjectTables(subject)) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)} as t
      where ${subjectCondition(table, "t", subject, [subjectId])}`.execute(db);
    rows[table] = result.rows;
  }
  return rows;
}
