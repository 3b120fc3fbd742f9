import { type Kysely, sql } from "kysely";

/**
 * Files the person uploads on the capture page (`session_documents`): the bytes in the database (`bytea`,
 * at most 10 MB each, enforced before insert), the sniffed content type, the capture step (policy node)
 * they belong to and their SHA-256. Redaction deletes these rows.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("session_documents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("session_id", "text", (c) => c.notNull().references("sessions.id").onDelete("cascade"))
    .addColumn("step", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("file_name", "text")
    .addColumn("content_type", "text", (c) =>
      c.notNull().check(sql`content_type in ('image/jpeg', 'image/png', 'application/pdf')`),
    )
    .addColumn("size_bytes", "integer", (c) => c.notNull().check(sql`size_bytes between 1 and 10485760`))
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("content", "bytea", (c) => c.notNull())
    .addColumn("uploaded_via", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("session_documents_session")
    .on("session_documents")
    .columns(["session_id", "created_at"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("session_documents").ifExists().execute();
}
