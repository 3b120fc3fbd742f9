import type { Questionnaire, QuestionnaireDefinition, QuestionnaireVersion, Tenant } from "@flowgate/domain";
import type { ExpressionBuilder, Selectable } from "kysely";
import type { Database, Executor } from "../database.ts";
import type { QuestionnairesTable, QuestionnaireVersionsTable } from "../tables/questionnaires.table.ts";
import type { PageRequest } from "./pagination.ts";
import { inTenant } from "./tenant-filter.ts";

/** Inserts a questionnaire (its versions are inserted separately). */
export async function insertQuestionnaire(
  db: Executor,
  tenant: Tenant,
  row: { id: string; name: string; description: string | null; currentVersion: number },
): Promise<Questionnaire> {
  const inserted = await db
    .insertInto("questionnaires")
    .values({
      id: row.id,
      workspace_id: tenant.workspaceId,
      environment: tenant.environment,
      name: row.name,
      description: row.description,
      current_version: row.currentVersion,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toQuestionnaire(inserted);
}

/** Inserts an immutable version of a questionnaire. */
export async function insertQuestionnaireVersion(
  db: Executor,
  row: {
    questionnaireId: string;
    version: number;
    definition: QuestionnaireDefinition;
    createdBy: string | null;
  },
): Promise<QuestionnaireVersion> {
  const inserted = await db
    .insertInto("questionnaire_versions")
    .values({
      questionnaire_id: row.questionnaireId,
      version: row.version,
      definition: JSON.stringify(row.definition),
      created_by: row.createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVersion(inserted);
}

/** Finds a questionnaire of the tenant; another tenant's is `undefined`. `forUpdate` locks the row. */
export async function findQuestionnaire(
  db: Executor,
  tenant: Tenant,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Questionnaire | undefined> {
  let query = db.selectFrom("questionnaires").selectAll().where("id", "=", id).where(inTenant(tenant));
  if (options.forUpdate) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row ? toQuestionnaire(row) : undefined;
}

/** Questionnaires of the tenant by id, in any order (for DataLoaders). */
export async function findQuestionnairesByIds(
  db: Executor,
  tenant: Tenant,
  ids: readonly string[],
): Promise<Questionnaire[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("questionnaires")
    .selectAll()
    .where("id", "in", ids)
    .where(inTenant(tenant))
    .execute();
  return rows.map(toQuestionnaire);
}

/** Changes a questionnaire's current version (and touches `updated_at`). */
export async function setQuestionnaireCurrentVersion(
  db: Executor,
  id: string,
  version: number,
): Promise<void> {
  await db
    .updateTable("questionnaires")
    .set({ current_version: version, updated_at: new Date() })
    .where("id", "=", id)
    .execute();
}

/** One version of a questionnaire. */
export async function findQuestionnaireVersion(
  db: Executor,
  questionnaireId: string,
  version: number,
): Promise<QuestionnaireVersion | undefined> {
  const row = await db
    .selectFrom("questionnaire_versions")
    .selectAll()
    .where("questionnaire_id", "=", questionnaireId)
    .where("version", "=", version)
    .executeTakeFirst();
  return row ? toVersion(row) : undefined;
}

/**
 * Versions by `(questionnaireId, version)`, in any order (for DataLoaders); with `tenant`, only versions of its
 * questionnaires.
 */
export async function findQuestionnaireVersions(
  db: Executor,
  keys: readonly { questionnaireId: string; version: number }[],
  options: { tenant?: Tenant } = {},
): Promise<QuestionnaireVersion[]> {
  if (keys.length === 0) return [];
  let query = db
    .selectFrom("questionnaire_versions")
    .selectAll()
    .where((eb) =>
      eb.or(
        keys.map((key) =>
          eb.and([eb("questionnaire_id", "=", key.questionnaireId), eb("version", "=", key.version)]),
        ),
      ),
    );
  if (options.tenant) query = query.where("questionnaire_id", "in", questionnairesOf(options.tenant));
  const rows = await query.execute();
  return rows.map(toVersion);
}

/** Every version of a questionnaire, oldest first; with `tenant`, none unless the questionnaire is its. */
export async function listQuestionnaireVersions(
  db: Executor,
  questionnaireId: string,
  options: { tenant?: Tenant } = {},
): Promise<QuestionnaireVersion[]> {
  let query = db
    .selectFrom("questionnaire_versions")
    .selectAll()
    .where("questionnaire_id", "=", questionnaireId);
  if (options.tenant) query = query.where("questionnaire_id", "in", questionnairesOf(options.tenant));
  const rows = await query.orderBy("version").execute();
  return rows.map(toVersion);
}

/** A page of the tenant's questionnaires, newest first. */
export async function listQuestionnaires(
  db: Executor,
  tenant: Tenant,
  page: PageRequest,
): Promise<Questionnaire[]> {
  let query = db.selectFrom("questionnaires").selectAll().where(inTenant(tenant));
  if (page.afterId) query = query.where("id", "<", page.afterId);
  if (page.beforeId) query = query.where("id", ">", page.beforeId);
  const rows = await query
    .orderBy("id", page.beforeId ? "asc" : "desc")
    .limit(page.limit)
    .execute();
  return rows.map(toQuestionnaire);
}

function toQuestionnaire(row: Selectable<QuestionnairesTable>): Questionnaire {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    environment: row.environment,
    name: row.name,
    description: row.description,
    currentVersion: row.current_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersion(row: Selectable<QuestionnaireVersionsTable>): QuestionnaireVersion {
  return {
    questionnaireId: row.questionnaire_id,
    version: row.version,
    definition: row.definition as unknown as QuestionnaireDefinition,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** The ids of the tenant's questionnaires, as a subquery (versions carry no tenant of their own). */
function questionnairesOf(tenant: Tenant) {
  return (eb: ExpressionBuilder<Database, "questionnaire_versions">) =>
    eb.selectFrom("questionnaires").select("id").where(inTenant(tenant));
}
