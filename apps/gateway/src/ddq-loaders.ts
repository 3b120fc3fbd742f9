import {
  type Actor,
  type Application,
  getAutofillJobsByIds,
  getDocumentsOfEntities,
  getEntitiesByIds,
  getQuestionnairesByIds,
  getQuestionnaireVersions,
  getRecipientSendsByIds,
  getResponsesByIds,
  listAutofillJobsOfResponsesByIds,
  listEventsOfResponses,
} from "@flowgate/application";
import type {
  AutofillJob,
  DdqResponse,
  Entity,
  EntityDocument,
  Questionnaire,
  QuestionnaireVersion,
  RecipientSend,
  ResponseEvent,
} from "@flowgate/domain";
import DataLoader from "dataloader";
import { lazyLoaders } from "./lazy-loaders.ts";

/** Per-request loaders of the questionnaire records (seed 003). */
export interface DdqLoaders {
  entity: DataLoader<string, Entity | undefined>;
  /** An entity's documents, oldest first, by entity id. */
  entityDocuments: DataLoader<string, EntityDocument[]>;
  questionnaire: DataLoader<string, Questionnaire | undefined>;
  /** Versions by `<questionnaireId>@<version>` (see {@link versionKey}). */
  questionnaireVersion: DataLoader<string, QuestionnaireVersion | undefined>;
  response: DataLoader<string, DdqResponse | undefined>;
  /** A response's events, oldest first, by response id. */
  responseEvents: DataLoader<string, ResponseEvent[]>;
  /** Autofill jobs by id. */
  autofillJob: DataLoader<string, AutofillJob | undefined>;
  /** A response's autofill jobs, newest first, by response id. */
  responseAutofillJobs: DataLoader<string, AutofillJob[]>;
  /** Recipient sends (GraphQL `WorkflowSession`) by id. */
  recipientSend: DataLoader<string, RecipientSend | undefined>;
}

/** The key of a questionnaire version in {@link DdqLoaders.questionnaireVersion}. */
export function versionKey(questionnaireId: string, version: number): string {
  return `${questionnaireId}@${version}`;
}

/** The questionnaire id and version of a {@link versionKey}. */
export function parseVersionKey(key: string): { questionnaireId: string; version: number } {
  const at = key.lastIndexOf("@");
  return { questionnaireId: key.slice(0, at), version: Number(key.slice(at + 1)) };
}

/** Builds the request's questionnaire loaders over the application's batch reads, each at its first use. */
export const createDdqLoaders: (app: Application, actor: Actor) => DdqLoaders = lazyLoaders<DdqLoaders>({
  entity: (app, actor) => new DataLoader((ids) => getEntitiesByIds(app, actor, ids)),
  entityDocuments: (app, actor) => new DataLoader((ids) => getDocumentsOfEntities(app, actor, ids)),
  questionnaire: (app, actor) => new DataLoader((ids) => getQuestionnairesByIds(app, actor, ids)),
  questionnaireVersion: (app, actor) =>
    new DataLoader((keys) => getQuestionnaireVersions(app, actor, keys.map(parseVersionKey))),
  response: (app, actor) => new DataLoader((ids) => getResponsesByIds(app, actor, ids)),
  responseEvents: (app, actor) =>
    new DataLoader((responseIds) => listEventsOfResponses(app, actor, responseIds)),
  autofillJob: (app, actor) => new DataLoader((ids) => getAutofillJobsByIds(app, actor, ids)),
  responseAutofillJobs: (app, actor) =>
    new DataLoader((responseIds) => listAutofillJobsOfResponsesByIds(app, actor, responseIds)),
  recipientSend: (app, actor) => new DataLoader((ids) => getRecipientSendsByIds(app, actor, ids)),
});
