import { findEntity, insertEntity, updateEntityFields } from "@flowgate/db";
import {
  applyEntityUpdate,
  type Entity,
  type EntityInput,
  type EntityUpdateInput,
  NotFoundError,
  newId,
  parseEntityInput,
} from "@flowgate/domain";
import type { Actor } from "../services/actor.ts";
import { inTransaction, type UnitOfWorkDeps } from "../unit-of-work.ts";

/**
 * Creates an entity: a company (legal name required) or an individual (first and last name required),
 * with optional email, phone and ISO 3166-1 alpha-2 jurisdiction.
 *
 * @throws ValidationError naming each offending field.
 */
export async function createEntity(deps: UnitOfWorkDeps, actor: Actor, input: EntityInput): Promise<Entity> {
  const fields = parseEntityInput(input);
  return inTransaction(deps, (trx) => insertEntity(trx, actor, { id: newId("ent"), fields }));
}

/**
 * Changes an entity's fields: absent fields stay, null clears an optional one. The type cannot change.
 *
 * @throws NotFoundError when the entity is not the caller's.
 * @throws ValidationError naming each offending field.
 */
export async function updateEntity(
  deps: UnitOfWorkDeps,
  actor: Actor,
  input: EntityUpdateInput & { id: string },
): Promise<Entity> {
  const { id, ...update } = input;
  return inTransaction(deps, async (trx) => {
    const entity = await findEntity(trx, actor, id, { forUpdate: true });
    if (!entity) throw new NotFoundError("Entity", id);
    return updateEntityFields(trx, id, applyEntityUpdate(entity, update));
  });
}
