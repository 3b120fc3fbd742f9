import { type Kysely, sql } from "kysely";

/**
 * `rate_limit_buckets`: one token bucket per rate-limited caller (an API key's hash or a client address),
 * shared by every gateway on the database. UNLOGGED: a bucket is worth nothing after a crash (a refilled
 * bucket is the same as a missing one), so its writes skip the WAL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create unlogged table rate_limit_buckets (
      bucket text primary key,
      tokens double precision not null,
      allowed boolean not null,
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await db.schema
    .createIndex("rate_limit_buckets_updated_at")
    .on("rate_limit_buckets")
    .column("updated_at")
    .execute();
}

/** Drops what `up` created. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("rate_limit_buckets").ifExists().execute();
}
