import type { PayloadSchema, Tenant } from "@flowgate/domain";
import type { Executor } from "../database.ts";
import { inTenant } from "./tenant-filter.ts";

/** The JSON Schema of a workflow's trigger payload, or `null` when it has none. */
export async function findWorkflowPayloadSchema(
  db: Executor,
  workflowId: string,
): Promise<PayloadSchema | null> {
  const row = await db
    .selectFrom("workflow_payload_schemas")
    .select("schema")
    .where("workflow_id", "=", workflowId)
    .executeTakeFirst();
  return row ? (row.schema as PayloadSchema) : null;
}

/** The payload schemas of several workflows of the tenant, by workflow id (for DataLoaders). */
export async function findWorkflowPayloadSchemas(
  db: Executor,
  tenant: Tenant,
  workflowIds: readonly string[],
): Promise<Map<string, PayloadSchema>> {
  if (workflowIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("workflow_payload_schemas")
    .select(["workflow_id", "schema"])
    .where("workflow_id", "in", workflowIds)
    .where(inTenant(tenant))
    .execute();
  return new Map(rows.map((row) => [row.workflow_id, row.schema as PayloadSchema]));
}

/** Sets (or, with `null`, removes) the payload schema of a workflow of the tenant. */
export async function setWorkflowPayloadSchema(
  db: Executor,
  tenant: Tenant,
  workflowId: string,
  schema: PayloadSchema | null,
  updatedBy: string | null,
): Promise<void> {
  if (schema === null) {
    await db.deleteFrom("workflow_payload_schemas").where("workflow_id", "=", workflowId).execute();
    return;
  }
  const now = new Date();
  await db
    .insertInto("workflow_payload_schemas")
    .values({
      workflow_id: workflowId,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      schema: JSON.stringify(schema),
      updated_by: updatedBy,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .column("workflow_id")
        .doUpdateSet({ schema: JSON.stringify(schema), updated_by: updatedBy, updated_at: now }),
    )
    .execute();
}
