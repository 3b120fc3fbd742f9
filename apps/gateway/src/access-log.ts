import {
  type AccessedRecord,
  type Actor,
  type Application,
  recordPersonalDataAccess,
} from "@flowgate/application";
import { personalDataPolicy } from "@flowgate/domain";
import { defaultFieldResolver, type GraphQLSchema, isObjectType } from "graphql";
import type { Plugin } from "graphql-yoga";

/** Which record a GraphQL object stands for in the access log. */
type RecordOf = (source: any) => Pick<AccessedRecord, "recordType" | "recordId" | "sessionId" | "runId">;

/**
 * The GraphQL fields that return personal data, per type: each names the personal column(s) of the
 * personal-data definition (`personalDataPolicy` in `@flowgate/domain`) it reads. Reading one of them is
 * logged. A mapping to a column the definition does not call personal fails at startup; a new GraphQL
 * field over a personal column belongs here.
 */
export const personalGraphQLFields: Record<
  string,
  { record: RecordOf; fields: Record<string, readonly string[]> }
> = {
  Session: {
    record: (s) => ({ recordType: "Session", recordId: s.id, sessionId: s.id }),
    fields: { referenceId: ["sessions.reference_id"], metadata: ["sessions.metadata"] },
  },
  Run: {
    record: (r) => ({ recordType: "Run", recordId: r.id, sessionId: r.sessionId }),
    fields: {
      decisionMetadata: ["runs.decision_metadata"],
      triggerPayload: ["runs.trigger_payload"],
      errorMessage: ["runs.error_message"],
      nodeResults: ["node_runs.output_data"],
    },
  },
  NodeRun: {
    record: (n) => ({ recordType: "Run", recordId: n.runId, runId: n.runId }),
    fields: {
      inputData: ["node_runs.input_data"],
      outputData: ["node_runs.output_data"],
      error: ["node_runs.error"],
    },
  },
  RunEvent: {
    record: (e) => ({ recordType: "Run", recordId: e.runId, runId: e.runId }),
    fields: { data: ["run_events.data"] },
  },
  RunAuditEntry: {
    record: (a) => ({ recordType: "Run", recordId: a.runId, runId: a.runId }),
    fields: { data: ["run_audit.data"] },
  },
  Entity: {
    record: (e) => ({ recordType: "Entity", recordId: e.id }),
    fields: {
      legalName: ["entities.legal_name"],
      tradingName: ["entities.trading_name"],
      firstName: ["entities.first_name"],
      lastName: ["entities.last_name"],
      displayName: ["entities.legal_name", "entities.first_name", "entities.last_name"],
      email: ["entities.email"],
      phone: ["entities.phone"],
      jurisdiction: ["entities.jurisdiction"],
    },
  },
  WorkflowSession: {
    record: (w) => ({ recordType: "WorkflowSession", recordId: w.id, sessionId: w.verificationSessionId }),
    fields: { email: ["workflow_sessions.email"] },
  },
  Response: {
    record: (r) => ({ recordType: "Response", recordId: r.id }),
    fields: {
      name: ["responses.name"],
      answers: ["responses.answers"],
      aiAnalysis: ["responses.ai_analysis"],
      pendingVerification: ["responses.pending_verification"],
    },
  },
};

/** Throws unless every mapped column is personal in the definition. */
function checkMapping(): void {
  for (const [type, { fields }] of Object.entries(personalGraphQLFields)) {
    for (const [field, columns] of Object.entries(fields)) {
      for (const qualified of columns) {
        const [table, column] = qualified.split(".") as [string, string];
        if (personalDataPolicy[table]?.columns[column]?.class !== "personal") {
          throw new Error(
            `${type}.${field} maps to ${qualified}, which is not personal in personalDataPolicy`,
          );
        }
      }
    }
  }
}

/** Collects what one execution read: one entry per record, with the union of the personal fields read. */
export class AccessRecorder {
  readonly #records = new Map<string, AccessedRecord & { fieldSet: Set<string> }>();

  /** Notes that `columns` of the record were read. */
  note(record: ReturnType<RecordOf>, columns: readonly string[]): void {
    if (!record.recordId) return;
    const key = `${record.recordType}:${record.recordId}`;
    let entry = this.#records.get(key);
    if (!entry) {
      entry = { ...record, fields: [], fieldSet: new Set() };
      this.#records.set(key, entry);
    }
    for (const column of columns) entry.fieldSet.add(column);
    if (!entry.sessionId && record.sessionId) entry.sessionId = record.sessionId;
  }

  /** Hands what was collected to the application's access log (written after the response) and resets. */
  flush(app: Application, actor: Actor): void {
    if (this.#records.size === 0) return;
    const records = [...this.#records.values()].map(({ fieldSet, ...record }) => ({
      ...record,
      fields: [...fieldSet].sort(),
    }));
    this.#records.clear();
    recordPersonalDataAccess(app, actor, records, "graphql");
  }
}

const instrumented = new WeakSet<GraphQLSchema>();

/**
 * Wraps the resolvers of the personal fields of `schema` so that each read is noted on the request's
 * {@link AccessRecorder} (`context.access`; contexts without one, e.g. recipients reading their own link,
 * are not logged). Returns the same schema.
 */
export function instrumentPersonalFields(schema: GraphQLSchema): GraphQLSchema {
  if (instrumented.has(schema)) return schema;
  instrumented.add(schema);
  checkMapping();
  for (const [typeName, { record, fields }] of Object.entries(personalGraphQLFields)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const typeFields = type.getFields();
    for (const [fieldName, columns] of Object.entries(fields)) {
      const field = typeFields[fieldName];
      if (!field)
        throw new Error(`${typeName}.${fieldName} is mapped for the access log but not in the schema`);
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const recorder = (context as { access?: AccessRecorder }).access;
        if (recorder && source) recorder.note(record(source), columns);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}

interface LoggedContext {
  app: Application;
  actor: Actor;
  access?: AccessRecorder;
}

/**
 * Yoga plugin: when an execution is done (HTTP) or a subscription event was produced (WebSocket, SSE), the
 * request's reads of personal data go to the access log, off the request path.
 */
export function useAccessLog(): Plugin<Record<string, unknown>> {
  const flush = (context: unknown) => {
    const { app, actor, access } = context as Partial<LoggedContext>;
    if (app && actor && access) access.flush(app, actor);
  };
  return {
    onExecute: () => ({ onExecuteDone: ({ args }) => flush(args.contextValue) }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: () => ({
        onNext: () => flush(args.contextValue),
        onEnd: () => flush(args.contextValue),
      }),
    }),
  };
}
