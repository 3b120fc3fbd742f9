import { describe, expect, it } from "vitest";
import {
  applyResponseAction,
  canEditAnswers,
  canTransitionResponse,
  hasBeenSubmitted,
  InvalidTransitionError,
  isFinalResponseStatus,
  isResponseStatus,
  type ResponseStatus,
  recipientSubmitAction,
  responseStatuses,
  responseStatusTransitions,
} from "../src/index.ts";

const allowed: [ResponseStatus, ResponseStatus][] = [
  ["PREFILL", "DRAFT"],
  ["DRAFT", "PREFILL"],
  ["DRAFT", "SUBMITTED"],
  ["SUBMITTED", "UNDER_REVIEW"],
  ["RESUBMITTED", "UNDER_REVIEW"],
  ["UNDER_REVIEW", "CHANGES_REQUESTED"],
  ["UNDER_REVIEW", "REVIEWED"],
  ["UNDER_REVIEW", "APPROVED"],
  ["UNDER_REVIEW", "REJECTED"],
  ["CHANGES_REQUESTED", "RESUBMITTED"],
  ["REVIEWED", "APPROVED"],
  ["REVIEWED", "REJECTED"],
];

const pairs = responseStatuses.flatMap((from) =>
  responseStatuses.map((to): [ResponseStatus, ResponseStatus] => [from, to]),
);
const refused = pairs.filter(([from, to]) => !allowed.some(([a, b]) => a === from && b === to));

describe("response status transitions", () => {
  it("has a row for every status", () => {
    expect(Object.keys(responseStatusTransitions).sort()).toEqual([...responseStatuses].sort());
  });

  it.each(allowed)("allows %s -> %s", (from, to) => {
    expect(canTransitionResponse(from, to)).toBe(true);
  });

  it.each(refused)("refuses %s -> %s", (from, to) => {
    expect(canTransitionResponse(from, to)).toBe(false);
  });

  it("applies actions and refuses them from the wrong status with the current status", () => {
    expect(applyResponseAction("PREFILL", "send")).toBe("DRAFT");
    expect(applyResponseAction("CHANGES_REQUESTED", "resubmit")).toBe("RESUBMITTED");
    expect(applyResponseAction("REVIEWED", "approve")).toBe("APPROVED");
    try {
      applyResponseAction("DRAFT", "approve");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTransitionError);
      expect((error as InvalidTransitionError).currentStatus).toBe("DRAFT");
    }
  });

  it("knows final statuses, who may edit answers and what a recipient's submit does", () => {
    expect(responseStatuses.filter(isFinalResponseStatus)).toEqual(["APPROVED", "REJECTED"]);
    expect(responseStatuses.filter((s) => canEditAnswers(s, "workspace"))).toEqual([
      "PREFILL",
      "DRAFT",
      "CHANGES_REQUESTED",
    ]);
    expect(responseStatuses.filter((s) => canEditAnswers(s, "recipient"))).toEqual([
      "DRAFT",
      "CHANGES_REQUESTED",
    ]);
    expect(responseStatuses.map(recipientSubmitAction).filter(Boolean)).toEqual(["submit", "resubmit"]);
    expect(responseStatuses.filter(hasBeenSubmitted)).toEqual(responseStatuses.slice(2));
    expect([isResponseStatus("DRAFT"), isResponseStatus("draft")]).toEqual([true, false]);
  });
});
