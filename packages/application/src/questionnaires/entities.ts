import {
  findEntitiesByIds,
  findEntity,
  insertEntity,
  listEntities as listEntityRows,
  type PageRequest,
  updateEntityFields,
} from "@flowgate/db";
import {
  applyEntityUpdate,
  type Entity,
  type EntityInput,
  type EntityType,
  type EntityUpdateInput,
  NotFoundError,
  newId,
  parseEntityInput,
} from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { alignByKey } from "../batch.ts";

/**
 * Creates an entity: a company (legal name required) or an individual (first and last name required),
 * with optional email, phone and ISO 3166-1 alpha-2 jurisdiction. Needs `entities:write`.
 *
 * @throws ValidationError naming each offending field.
 */
export async function createEntity(app: Application, actor: Actor, input: EntityInput): Promise<Entity> {
  requireScope(actor, "entities:write");
  const deps = applicationDeps(app);
  const fields = parseEntityInput(input);
  return inTransaction(deps, (trx) => insertEntity(trx, actor, { id: newId("ent"), fields }));
}

/**
 * Changes an entity's fields: absent fields stay, null clears an optional one. The type cannot change.
 * Needs `entities:write`.
 *
 * @throws NotFoundError when the entity is not the caller's.
 * @throws ValidationError naming each offending field.
 */
export async function updateEntity(
  app: Application,
  actor: Actor,
  input: EntityUpdateInput & { id: string },
): Promise<Entity> {
  requireScope(actor, "entities:write");
  const deps = applicationDeps(app);
  const { id, ...update } = input;
  return inTransaction(deps, async (trx) => {
    const entity = await findEntity(trx, actor, id, { forUpdate: true });
    if (!entity) throw new NotFoundError("Entity", id);
    return updateEntityFields(trx, id, applyEntityUpdate(entity, update));
  });
}

/**
 * Entities by id, in the order asked (`undefined` for those that are not the caller's). Needs
 * `entities:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param ids - Entity ids (`ent_…`).
 */
export async function getEntitiesByIds(
  app: Application,
  actor: Actor,
  ids: readonly string[],
): Promise<(Entity | undefined)[]> {
  requireScope(actor, "entities:read");
  const { db } = applicationDeps(app);
  return alignByKey(ids, await findEntitiesByIds(db, actor, ids), (entity) => entity.id);
}

/**
 * A page of the caller's entities, newest first. Needs `entities:read`.
 *
 * @param app - The application.
 * @param actor - The caller.
 * @param page - Keyset page and filter.
 */
export async function listEntities(
  app: Application,
  actor: Actor,
  page: PageRequest & { entityType?: EntityType | undefined },
): Promise<Entity[]> {
  requireScope(actor, "entities:read");
  return listEntityRows(applicationDeps(app).db, actor, page);
}
