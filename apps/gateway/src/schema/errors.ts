import {
  ConflictError,
  type FlowgateError,
  LegalHoldError,
  NotFoundError,
  ValidationError,
  type ValidationIssue,
} from "@flowgate/domain";
import { GraphQLError } from "graphql";
import { builder } from "../builder.ts";

/** The `Error` interface every expected failure in a mutation result implements. */
export const ErrorInterface = builder.interfaceRef<FlowgateError>("Error").implement({
  subGraphs: ["Api", "Recipient"],
  description: "An expected failure of a mutation, returned as a member of its result union.",
  fields: (t) => ({
    message: t.exposeString("message", { description: "What went wrong, for people." }),
    code: t.exposeString("code", { description: "A stable machine-readable code." }),
  }),
});

builder.objectType(NotFoundError, {
  name: "NotFoundError",
  description: "The record does not exist in the caller's workspace and environment.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    resource: t.exposeString("resource", { description: "The kind of record, e.g. `Session`." }),
    id: t.exposeString("id", { description: "The id that was not found." }),
  }),
});

builder.objectType(ConflictError, {
  name: "ConflictError",
  subGraphs: ["Api", "Recipient"],
  description: "The record is in a state that does not allow the operation.",
  interfaces: [ErrorInterface],
  // A legal hold is a conflict with a type of its own (naming the hold).
  isTypeOf: (value) => value instanceof ConflictError && !(value instanceof LegalHoldError),
  fields: (t) => ({
    currentStatus: t.exposeString("currentStatus", {
      nullable: true,
      description: "The record's current status, when the conflict is about status.",
    }),
  }),
});

builder.objectType(LegalHoldError, {
  name: "LegalHoldError",
  description: "A legal hold keeps the session's data: it cannot be redacted until the hold is released.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof LegalHoldError,
  fields: (t) => ({
    sessionId: t.exposeID("sessionId", { description: "The held session." }),
    holdId: t.exposeID("holdId", { description: "The active hold (`hld_…`)." }),
    holdReason: t.exposeString("holdReason", { description: "Why the data must be kept." }),
  }),
});

const FieldIssue = builder.objectRef<ValidationIssue>("FieldIssue").implement({
  subGraphs: ["Api", "Recipient"],
  description: "One problem with the input, located by its path.",
  fields: (t) => ({
    path: t.exposeStringList("path", {
      description: "Path of the offending input field, e.g. `graph.nodes.2.routes.pass`.",
    }),
    message: t.exposeString("message", { description: "What is wrong with it." }),
    nodeId: t.string({
      subGraphs: ["Api"],
      nullable: true,
      description: "The graph node the problem is about, for workflow graphs.",
      resolve: (issue) => issue.nodeId ?? null,
    }),
  }),
});

builder.objectType(ValidationError, {
  name: "ValidationError",
  subGraphs: ["Api", "Recipient"],
  description: "The input is invalid; `issues` names each offending field.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    issues: t.field({
      type: [FieldIssue],
      resolve: (error) => error.issues,
      description: "Every problem found.",
    }),
  }),
});

/** The expected failures of a mutation that reads or changes one record. */
export const recordErrors = [NotFoundError, ConflictError, ValidationError];

/**
 * Waits for a subscription's stream, turning a `NotFoundError` (the record is not the caller's) into the
 * GraphQL error a subscriber gets before any event: `NOT_FOUND` with the same message.
 *
 * @param stream - The application's stream, once it has checked access.
 */
export async function notFoundAsGraphQLError<T>(stream: Promise<T>): Promise<T> {
  try {
    return await stream;
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new GraphQLError(error.message, { extensions: { code: "NOT_FOUND" } });
    }
    throw error;
  }
}
