import type { Kysely } from "kysely";

/** Where an issued secret was found. */
export interface SecretHit {
  /** The secret, masked to its first 12 characters (the report itself must not leak it). */
  secret: string;
  /** Where: `log line 12`, `table api_keys, column name, row 3`. */
  where: string;
  /** The text around the hit (masked as well). */
  excerpt: string;
}

/** A text to scan and what to call it in hits. */
export interface ScanSource {
  where: string;
  text: string;
}

function mask(secret: string): string {
  return `${secret.slice(0, 12)}…`;
}

/**
 * The forms a secret may take in text: itself, URL- and JSON-encoded, and its random part without the
 * prefix (`fg_live_`, `fgl_`, `fgv_`, `whsec_`…), so that a secret stored with its prefix cut off is found too.
 */
function needles(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  const body = /^(?:fg_live_|fg_sandbox_|fgl_|fgv_|whsec_)(.+)$/.exec(secret)?.[1];
  if (body && body.length >= 16) forms.add(body);
  return [...forms];
}

/**
 * Finds every occurrence of every secret in the sources: a list of secrets in, hits out. Extend the list
 * with any new kind of secret; the forms searched are in {@link needles}.
 *
 * @param sources - Texts to scan (log lines, rows).
 * @param secrets - Every secret that was issued.
 */
export function scanForSecrets(sources: Iterable<ScanSource>, secrets: readonly string[]): SecretHit[] {
  const hits: SecretHit[] = [];
  const searched = secrets.map((secret) => ({ secret, forms: needles(secret) }));
  for (const { where, text } of sources) {
    for (const { secret, forms } of searched) {
      for (const form of forms) {
        const at = text.indexOf(form);
        if (at < 0) continue;
        const around = text.slice(Math.max(0, at - 40), at + form.length + 20).replaceAll(form, mask(form));
        hits.push({ secret: mask(secret), where, excerpt: around });
        break;
      }
    }
  }
  return hits;
}

/** Log lines as scan sources (`log line <n>`). */
export function logSources(lines: readonly string[]): ScanSource[] {
  return lines.map((text, index) => ({ where: `log line ${index + 1}`, text }));
}

/**
 * Every column of every row of every table of a schema as scan sources (values JSON-serialized, so jsonb
 * and arrays are searched too): `table <t>, column <c>, row <n>`.
 *
 * @param db - The database (PGlite or PostgreSQL).
 * @param schema - The schema to read (default `public`).
 */
export async function databaseSources(db: Kysely<any>, schema = "public"): Promise<ScanSource[]> {
  const tables = await db
    .selectFrom("information_schema.tables")
    .select("table_name")
    .where("table_schema", "=", schema)
    .where("table_type", "=", "BASE TABLE")
    .orderBy("table_name")
    .execute();
  const sources: ScanSource[] = [];
  for (const { table_name: table } of tables as { table_name: string }[]) {
    const rows = await db.withSchema(schema).selectFrom(table).selectAll().execute();
    rows.forEach((row, index) => {
      for (const [column, value] of Object.entries(row as Record<string, unknown>)) {
        if (value === null || value === undefined) continue;
        const text = typeof value === "string" ? value : JSON.stringify(value);
        sources.push({ where: `table ${table}, column ${column}, row ${index + 1}`, text });
      }
    });
  }
  return sources;
}
