import { type Kysely, sql } from "kysely";

const environmentCheck = sql`environment in ('live', 'sandbox')`;

/**
 * Due-diligence questionnaires (seed 003): entities, questionnaires and their versions, responses and their
 * events, workflow sessions with hashed magic-link tokens, the credit ledger with accounts and
 * reservations, and the email outbox.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("entities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("entity_type", "text", (c) => c.notNull().check(sql`entity_type in ('company', 'individual')`))
    .addColumn("legal_name", "text")
    .addColumn("trading_name", "text")
    .addColumn("first_name", "text")
    .addColumn("last_name", "text")
    .addColumn("email", "text")
    .addColumn("phone", "text")
    .addColumn("jurisdiction", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("entities_workspace_page")
    .on("entities")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("questionnaires")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("current_version", "integer", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("questionnaires_workspace_page")
    .on("questionnaires")
    .columns(["workspace_id", "environment", "id"])
    .execute();

  await db.schema
    .createTable("questionnaire_versions")
    .addColumn("questionnaire_id", "text", (c) =>
      c.notNull().references("questionnaires.id").onDelete("cascade"),
    )
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("definition", "jsonb", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("questionnaire_versions_pk", ["questionnaire_id", "version"])
    .execute();

  await db.schema
    .createTable("responses")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("entity_id", "text", (c) => c.notNull().references("entities.id"))
    .addColumn("questionnaire_id", "text", (c) => c.notNull().references("questionnaires.id"))
    .addColumn("questionnaire_version", "integer", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .check(
          sql`status in ('PREFILL', 'DRAFT', 'SUBMITTED', 'UNDER_REVIEW', 'CHANGES_REQUESTED', 'RESUBMITTED', 'REVIEWED', 'APPROVED', 'REJECTED')`,
        ),
    )
    .addColumn("answers", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("answer_sources", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("ai_analysis", "jsonb")
    .addColumn("pending_verification", "jsonb")
    .addColumn("workflow_session_id", "text")
    .addColumn("run_id", "text", (c) => c.references("runs.id").onDelete("set null"))
    .addColumn("created_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("sent_at", "timestamptz")
    .addColumn("submitted_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("responses_workspace_page")
    .on("responses")
    .columns(["workspace_id", "environment", "id"])
    .execute();
  await db.schema.createIndex("responses_entity").on("responses").columns(["entity_id", "id"]).execute();
  await db.schema
    .createIndex("responses_run")
    .on("responses")
    .column("run_id")
    .where(sql.ref("run_id"), "is not", null)
    .execute();

  await db.schema
    .createTable("response_events")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("response_id", "text", (c) => c.notNull().references("responses.id").onDelete("cascade"))
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("from_status", "text")
    .addColumn("to_status", "text")
    .addColumn("actor", "text")
    .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("response_events_response")
    .on("response_events")
    .columns(["response_id", "id"])
    .execute();

  await db.schema
    .createTable("workflow_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("entity_id", "text", (c) => c.notNull().references("entities.id"))
    .addColumn("response_id", "text", (c) => c.references("responses.id").onDelete("cascade"))
    .addColumn("verification_session_id", "text", (c) => c.references("sessions.id").onDelete("set null"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("steps", "jsonb", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("email_sent_at", "timestamptz")
    .addColumn("completed_at", "timestamptz")
    .addColumn("created_by", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("workflow_sessions_workspace_page")
    .on("workflow_sessions")
    .columns(["workspace_id", "environment", "id"])
    .execute();
  await db.schema
    .createIndex("workflow_sessions_response")
    .on("workflow_sessions")
    .column("response_id")
    .execute();

  await db.schema
    .createTable("credit_accounts")
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("balance", "integer", (c) => c.notNull().defaultTo(0).check(sql`balance >= 0`))
    .addColumn("reserved", "integer", (c) => c.notNull().defaultTo(0).check(sql`reserved >= 0`))
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("credit_accounts_pk", ["workspace_id", "environment"])
    .addCheckConstraint("credit_accounts_reserved_covered", sql`reserved <= balance`)
    .execute();

  await db.schema
    .createTable("credit_ledger")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("kind", "text", (c) =>
      c.notNull().check(sql`kind in ('grant', 'charge', 'refund', 'adjustment')`),
    )
    .addColumn("amount", "integer", (c) => c.notNull().check(sql`amount <> 0`))
    .addColumn("balance_after", "integer", (c) => c.notNull().check(sql`balance_after >= 0`))
    .addColumn("action", "text")
    .addColumn("idempotency_key", "text")
    .addColumn("reference_id", "text")
    .addColumn("note", "text")
    .addColumn("actor", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      "credit_ledger_sign",
      sql`(kind in ('grant', 'refund') and amount > 0) or (kind = 'charge' and amount < 0) or kind = 'adjustment'`,
    )
    .execute();
  await db.schema
    .createIndex("credit_ledger_workspace_page")
    .on("credit_ledger")
    .columns(["workspace_id", "environment", "id"])
    .execute();
  await db.schema
    .createIndex("credit_ledger_idempotency")
    .on("credit_ledger")
    .columns(["workspace_id", "environment", "idempotency_key"])
    .unique()
    .where(sql.ref("idempotency_key"), "is not", null)
    .execute();

  await db.schema
    .createTable("credit_reservations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("amount", "integer", (c) => c.notNull().check(sql`amount > 0`))
    .addColumn("idempotency_key", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('held', 'settled', 'released')`))
    .addColumn("reference_id", "text")
    .addColumn("ledger_entry_id", "text", (c) => c.references("credit_ledger.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("resolved_at", "timestamptz")
    .addUniqueConstraint("credit_reservations_key", ["workspace_id", "environment", "idempotency_key"])
    .execute();

  await db.schema
    .createTable("email_outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("workspaces.id").onDelete("cascade"))
    .addColumn("environment", "text", (c) => c.notNull().check(environmentCheck))
    .addColumn("workflow_session_id", "text")
    .addColumn("to_address", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("text_body", "text", (c) => c.notNull())
    .addColumn("html_body", "text", (c) => c.notNull())
    .addColumn("link_url", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex("email_outbox_workspace_page")
    .on("email_outbox")
    .columns(["workspace_id", "environment", "id"])
    .execute();
}

/** Drops everything this migration created. */
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "email_outbox",
    "credit_reservations",
    "credit_ledger",
    "credit_accounts",
    "workflow_sessions",
    "response_events",
    "responses",
    "questionnaire_versions",
    "questionnaires",
    "entities",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
