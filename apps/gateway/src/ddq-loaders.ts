import {
  type Db,
  findEntitiesByIds,
  findQuestionnairesByIds,
  findQuestionnaireVersions,
  findRecipientSendsByIds,
  findResponsesByIds,
  listResponseEvents,
} from "@flowgate/db";
import type {
  DdqResponse,
  Entity,
  Questionnaire,
  QuestionnaireVersion,
  RecipientSend,
  ResponseEvent,
  Tenant,
} from "@flowgate/domain";
import DataLoader from "dataloader";

/** Per-request loaders of the questionnaire records; each is scoped to the caller's tenant. */
export interface DdqLoaders {
  entity: DataLoader<string, Entity | undefined>;
  questionnaire: DataLoader<string, Questionnaire | undefined>;
  /**
   * Versions by `<questionnaireId>@<version>`. Versions carry no tenant: load one only for a questionnaire
   * or response already loaded for the tenant.
   */
  questionnaireVersion: DataLoader<string, QuestionnaireVersion | undefined>;
  response: DataLoader<string, DdqResponse | undefined>;
  /** A response's events, oldest first, by response id (only for responses loaded for the tenant). */
  responseEvents: DataLoader<string, ResponseEvent[]>;
  workflowSession: DataLoader<string, RecipientSend | undefined>;
}

/** The key of a questionnaire version in {@link DdqLoaders.questionnaireVersion}. */
export function versionKey(questionnaireId: string, version: number): string {
  return `${questionnaireId}@${version}`;
}

function byId<T>(keys: readonly string[], rows: readonly T[], key: (row: T) => string): (T | undefined)[] {
  const map = new Map(rows.map((row) => [key(row), row]));
  return keys.map((k) => map.get(k));
}

/** Builds the request's questionnaire loaders; every load is restricted to `tenant`. */
export function createDdqLoaders(db: Db, tenant: Tenant): DdqLoaders {
  return {
    entity: new DataLoader(async (ids) => byId(ids, await findEntitiesByIds(db, tenant, ids), (e) => e.id)),
    questionnaire: new DataLoader(async (ids) =>
      byId(ids, await findQuestionnairesByIds(db, tenant, ids), (q) => q.id),
    ),
    questionnaireVersion: new DataLoader(async (keys) => {
      const parsed = keys.map((key) => {
        const at = key.lastIndexOf("@");
        return { questionnaireId: key.slice(0, at), version: Number(key.slice(at + 1)) };
      });
      const versions = await findQuestionnaireVersions(db, parsed);
      return byId(keys, versions, (v) => versionKey(v.questionnaireId, v.version));
    }),
    response: new DataLoader(async (ids) =>
      byId(ids, await findResponsesByIds(db, tenant, ids), (r) => r.id),
    ),
    responseEvents: new DataLoader(async (responseIds) => {
      const grouped = new Map<string, ResponseEvent[]>();
      for (const event of await listResponseEvents(db, responseIds)) {
        const list = grouped.get(event.responseId) ?? [];
        list.push(event);
        grouped.set(event.responseId, list);
      }
      return responseIds.map((id) => grouped.get(id) ?? []);
    }),
    workflowSession: new DataLoader(async (ids) =>
      byId(ids, await findRecipientSendsByIds(db, tenant, ids), (w) => w.id),
    ),
  };
}
