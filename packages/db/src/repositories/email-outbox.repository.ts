import type { OutboxEmail, Tenant } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { EmailOutboxTable } from "../tables/email-outbox.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** Stores a message in the outbox; a message whose id is stored already is kept as it was (a retried send). */
export async function insertOutboxEmail(
  db: Executor,
  tenant: Tenant,
  row: Omit<OutboxEmail, "workspaceId" | "environment" | "createdAt">,
): Promise<OutboxEmail> {
  const inserted = await db
    .insertInto("email_outbox")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      workflow_session_id: row.workflowSessionId,
      to_address: row.to,
      subject: row.subject,
      text_body: row.text,
      html_body: row.html,
      link_url: row.linkUrl,
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return toOutboxEmail(inserted);
  const existing = await db
    .selectFrom("email_outbox")
    .selectAll()
    .where("id", "=", row.id)
    .executeTakeFirstOrThrow();
  return toOutboxEmail(existing);
}

/** A page of the tenant's outbox, newest first. */
export async function listOutboxEmails(
  db: Executor,
  tenant: Tenant,
  page: PageRequest,
): Promise<OutboxEmail[]> {
  let query = db.selectFrom("email_outbox").selectAll().where(inTenant(tenant));
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toOutboxEmail);
}

function toOutboxEmail(row: Selectable<EmailOutboxTable>): OutboxEmail {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    workflowSessionId: row.workflow_session_id,
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    linkUrl: row.link_url,
    createdAt: row.created_at,
  };
}
