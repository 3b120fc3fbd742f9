import type { WebhookAttempt } from "@flowgate/domain";
import { builder } from "../builder.ts";

/** The GraphQL `WebhookAttempt` type. */
export const WebhookAttemptRef = builder.objectRef<WebhookAttempt>("WebhookAttempt").implement({
  description: "One HTTP attempt of a webhook delivery.",
  fields: (t) => ({
    attempt: t.exposeInt("attempt", { description: "Its number, from 1." }),
    startedAt: t.expose("startedAt", { type: "DateTime", description: "When the request was sent." }),
    durationMs: t.exposeInt("durationMs", { description: "How long it took, in milliseconds." }),
    statusCode: t.exposeInt("statusCode", {
      nullable: true,
      description: "The receiver's HTTP status; null when no response arrived (timeout, connection error).",
    }),
    responseBody: t.exposeString("responseBody", {
      nullable: true,
      description: "The first 2 KB of the response body.",
    }),
    error: t.exposeString("error", {
      nullable: true,
      description: "Why it failed (a non-2xx status, a timeout, a refused or unreachable address).",
    }),
    nextAttemptAt: t.expose("nextAttemptAt", {
      type: "DateTime",
      nullable: true,
      description: "When the next attempt was scheduled after this one, if one was.",
    }),
  }),
});
