import { listSessions } from "@flowgate/application";
import { riskLevels, type SessionRiskAssessment } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { EntityRef } from "./entity.ts";
import { keysetConnection } from "./pagination.ts";
import { SessionRef } from "./session.ts";

const RiskLevel = builder.enumType("RiskLevel", {
  description: "Risk levels: low < 25 ≤ medium < 50 ≤ high < 75 ≤ critical.",
  values: riskLevels,
});

const RiskSignalRef = builder.objectRef<SessionRiskAssessment["signals"][number]>("RiskSignal").implement({
  description: "A reason a session's risk score went up.",
  fields: (t) => ({
    code: t.exposeString("code", { description: "The rule, e.g. `check_failed`, `aml_score`." }),
    description: t.exposeString("description", { description: "What was seen, for people." }),
    weight: t.exposeInt("weight", { description: "How much it added to the score." }),
    checkId: t.exposeID("checkId", { description: "The check (`chk_…`) it came from." }),
    nodeId: t.exposeString("nodeId", { description: "That check's node." }),
  }),
});

const RiskAssessmentRef = builder.objectRef<SessionRiskAssessment>("RiskAssessment").implement({
  description:
    "A session run's risk from its checks, by the domain's versioned rules (see docs/sessions.md), stored with the rules' version.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Assessment id (`rsk_…`)." }),
    runId: t.exposeID("runId", { description: "The run it assesses." }),
    score: t.exposeInt("score", { description: "0 (no risk seen) to 100." }),
    level: t.field({ type: RiskLevel, resolve: (a) => a.level, description: "The score's level." }),
    signals: t.field({
      type: [RiskSignalRef],
      resolve: (a) => a.signals,
      description: "What produced the score.",
    }),
    rulesVersion: t.exposeString("rulesVersion", {
      description: "The version of the rules that produced it.",
    }),
    createdAt: t.expose("createdAt", {
      type: "DateTime",
      description: "When it was computed (the run's end).",
    }),
  }),
});

builder.objectFields(SessionRef, (t) => ({
  identityId: t.id({
    nullable: true,
    description: "The identity (entity of type individual) it belongs to.",
    resolve: (session) => session.identityId ?? null,
  }),
  identity: t.field({
    type: EntityRef,
    nullable: true,
    description: "The identity it belongs to.",
    resolve: async (session, _args, context) =>
      session.identityId ? ((await context.loaders.ddq.entity.load(session.identityId)) ?? null) : null,
  }),
  riskAssessment: t.field({
    type: RiskAssessmentRef,
    nullable: true,
    description: "The risk of its current run, once the run has ended; null before.",
    resolve: async (session, _args, context) =>
      (await context.loaders.riskAssessment.load(session.id)) ?? null,
  }),
}));

builder.objectFields(EntityRef, (t) => ({
  sessions: t.connection({
    type: SessionRef,
    description: "The verification sessions of this identity, newest first.",
    authScopes: { scope: "sessions:read" },
    resolve: (entity, args, context) =>
      keysetConnection(args, (page) =>
        listSessions(context.app, context.actor, { ...page, identityId: entity.id }),
      ),
  }),
}));
