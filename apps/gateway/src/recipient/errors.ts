import { ConflictError, type FlowgateError, ValidationError, type ValidationIssue } from "@flowgate/domain";
import { recipientBuilder } from "./builder.ts";

const ErrorInterface = recipientBuilder.interfaceRef<FlowgateError>("Error").implement({
  description: "An expected failure of a mutation, returned as a member of its result union.",
  fields: (t) => ({
    message: t.exposeString("message", { description: "What went wrong, for people." }),
    code: t.exposeString("code", { description: "A stable machine-readable code." }),
  }),
});

recipientBuilder.objectType(ConflictError, {
  name: "ConflictError",
  description: "The questionnaire is in a state that does not allow this (e.g. it was already submitted).",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ConflictError,
  fields: (t) => ({
    currentStatus: t.exposeString("currentStatus", {
      nullable: true,
      description: "The response's current status, when the conflict is about status.",
    }),
  }),
});

const FieldIssue = recipientBuilder.objectRef<ValidationIssue>("FieldIssue").implement({
  description: "One problem with the input, located by its path (`answers.<questionId>`).",
  fields: (t) => ({
    path: t.exposeStringList("path", {
      description: "Path of the offending input, e.g. `answers.turnover`.",
    }),
    message: t.exposeString("message", { description: "What is wrong with it." }),
  }),
});

recipientBuilder.objectType(ValidationError, {
  name: "ValidationError",
  description: "The input is invalid; `issues` names each offending answer.",
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

/** The expected failures of recipient mutations. */
export const recipientErrors = [ConflictError, ValidationError];
