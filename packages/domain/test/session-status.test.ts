import { describe, expect, it } from "vitest";
import {
  assertSessionTransition,
  canAcceptExternalDecision,
  canTransitionSession,
  canTriggerWorkflow,
  InvalidTransitionError,
  isSessionStatus,
  type SessionStatus,
  sessionResultForOutcome,
  sessionStatuses,
  sessionStatusTransitions,
} from "../src/index.ts";

const allowed: [SessionStatus, SessionStatus][] = [
  ["created", "in_progress"],
  ["created", "submitted"],
  ["created", "processing"],
  ["created", "expired"],
  ["in_progress", "submitted"],
  ["in_progress", "expired"],
  ["submitted", "processing"],
  ["submitted", "expired"],
  ["processing", "awaiting_external"],
  ["processing", "completed"],
  ["processing", "failed"],
  ["awaiting_external", "processing"],
  ["awaiting_external", "completed"],
  ["awaiting_external", "failed"],
  ["awaiting_external", "expired"],
  ["completed", "processing"],
  ["failed", "processing"],
  ["expired", "created"],
];

const allPairs = sessionStatuses.flatMap((from) =>
  sessionStatuses.map((to): [SessionStatus, SessionStatus] => [from, to]),
);
const refused = allPairs.filter(([from, to]) => !allowed.some(([a, b]) => a === from && b === to));

describe("session status transitions", () => {
  it("has a row for every status", () => {
    expect(Object.keys(sessionStatusTransitions).sort()).toEqual([...sessionStatuses].sort());
  });

  it.each(allowed)("allows %s -> %s", (from, to) => {
    expect(canTransitionSession(from, to)).toBe(true);
    expect(() => assertSessionTransition(from, to)).not.toThrow();
  });

  it.each(refused)("refuses %s -> %s", (from, to) => {
    expect(canTransitionSession(from, to)).toBe(false);
    expect(() => assertSessionTransition(from, to)).toThrow(InvalidTransitionError);
  });

  it("names the session entity when refusing", () => {
    expect(() => assertSessionTransition("expired", "processing")).toThrow(
      'Cannot transition session from "expired" to "processing"',
    );
  });

  it("recognises statuses", () => {
    expect(isSessionStatus("awaiting_external")).toBe(true);
    expect(isSessionStatus("paused")).toBe(false);
  });
});

describe("session predicates", () => {
  it("allows triggering a workflow only on completed or failed sessions", () => {
    expect(sessionStatuses.filter(canTriggerWorkflow)).toEqual(["completed", "failed"]);
  });

  it("accepts external decisions only while awaiting_external", () => {
    expect(sessionStatuses.filter(canAcceptExternalDecision)).toEqual(["awaiting_external"]);
  });

  it.each([
    ["approved", "approved"],
    ["rejected", "rejected"],
    ["needs_review", "needs_review"],
    ["manual_escalation", "needs_review"],
    ["", "needs_review"],
    ["APPROVED", "needs_review"],
  ])("maps outcome %j to result %s", (outcome, result) => {
    expect(sessionResultForOutcome(outcome)).toBe(result);
  });
});
