import { type Kysely, sql } from "kysely";

/**
 * Entity documents: the uploaded file's bytes (`bytea`, so that a database backup, redaction and export of
 * an entity cover them; 10 MiB at most, checked by the application and the table) and its text, extracted
 * page by page at upload for autofill. Deleting the entity deletes its documents.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("entity_documents")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(sql`environment in ('live', 'sandbox')`))
    .addColumn("entity_id", "text", (c) => c.notNull().references("entities.id").onDelete("cascade"))
    .addColumn("filename", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) =>
      c.notNull().check(sql`content_type in ('application/pdf', 'image/png', 'image/jpeg', 'text/plain')`),
    )
    .addColumn("size_bytes", "integer", (c) => c.notNull().check(sql`size_bytes between 1 and 10485760`))
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("page_count", "integer", (c) => c.notNull())
    .addColumn("content", "bytea", (c) => c.notNull())
    .addColumn("text_pages", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("uploaded_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("entity_documents_entity")
    .on("entity_documents")
    .columns(["entity_id", "id"])
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("entity_documents").ifExists().execute();
}
