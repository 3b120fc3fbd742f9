import type { Entity, EntityFields, EntityType, Tenant } from "@flowgate/domain";
import type { Selectable } from "kysely";
import type { Executor } from "../database.ts";
import type { EntitiesTable } from "../tables/entities.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** Inserts an entity. */
export async function insertEntity(
  db: Executor,
  tenant: Tenant,
  row: { id: string; fields: EntityFields },
): Promise<Entity> {
  const inserted = await db
    .insertInto("entities")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      ...toColumns(row.fields),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEntity(inserted);
}

/** Finds an entity of the tenant; another tenant's is `undefined`. `forUpdate` locks the row. */
export async function findEntity(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Entity | undefined> {
  let query = db.selectFrom("entities").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toEntity(row) : undefined;
}

/** Entities of the tenant by id, in any order (for DataLoaders). */
export async function findEntitiesByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<Entity[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("entities")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toEntity);
}

/** Replaces an entity's fields. */
export async function updateEntityFields(db: Executor, id: string, fields: EntityFields): Promise<Entity> {
  const row = await db
    .updateTable("entities")
    .set({ ...toColumns(fields), updated_at: new Date() })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEntity(row);
}

/** A page of the tenant's entities, newest first. */
export async function listEntities(
  db: Executor,
  tenant: Tenant,
  page: PageRequest & { entityType?: EntityType | undefined },
): Promise<Entity[]> {
  let query = db.selectFrom("entities").selectAll().where(inTenant(tenant));
  if (page.entityType) query = query.where("entity_type", "=", page.entityType);
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toEntity);
}

function toColumns(fields: EntityFields) {
  return {
    entity_type: fields.entityType,
    legal_name: fields.legalName,
    trading_name: fields.tradingName,
    first_name: fields.firstName,
    last_name: fields.lastName,
    email: fields.email,
    phone: fields.phone,
    jurisdiction: fields.jurisdiction,
  };
}

function toEntity(row: Selectable<EntitiesTable>): Entity {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    entityType: row.entity_type,
    legalName: row.legal_name,
    tradingName: row.trading_name,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    phone: row.phone,
    jurisdiction: row.jurisdiction,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
