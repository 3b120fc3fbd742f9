import { describe, expect, it } from "vitest";
import {
  assertRunTransition,
  canTransitionRun,
  InvalidTransitionError,
  isConflictError,
  isFinalRunStatus,
  isRunStatus,
  type RunStatus,
  runStatuses,
  runStatusTransitions,
  standardOutcomes,
} from "../src/index.ts";

const allowed: [RunStatus, RunStatus][] = [
  ["pending", "running"],
  ["pending", "failed"],
  ["pending", "cancelled"],
  ["running", "running"],
  ["running", "paused"],
  ["running", "completed"],
  ["running", "failed"],
  ["running", "cancelled"],
  ["paused", "running"],
  ["paused", "failed"],
  ["paused", "cancelled"],
];

const allPairs = runStatuses.flatMap((from) => runStatuses.map((to): [RunStatus, RunStatus] => [from, to]));
const refused = allPairs.filter(([from, to]) => !allowed.some(([a, b]) => a === from && b === to));

describe("run status transitions", () => {
  it("has a row for every status", () => {
    expect(Object.keys(runStatusTransitions).sort()).toEqual([...runStatuses].sort());
  });

  it.each(allowed)("allows %s -> %s", (from, to) => {
    expect(canTransitionRun(from, to)).toBe(true);
    expect(() => assertRunTransition(from, to)).not.toThrow();
  });

  it.each(refused)("refuses %s -> %s", (from, to) => {
    expect(canTransitionRun(from, to)).toBe(false);
    expect(() => assertRunTransition(from, to)).toThrow(InvalidTransitionError);
  });

  it("refuses with a conflict naming the entity and both statuses", () => {
    let error: unknown;
    try {
      assertRunTransition("completed", "running");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect(isConflictError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "CONFLICT",
      entity: "run",
      from: "completed",
      to: "running",
      currentStatus: "completed",
      message: 'Cannot transition run from "completed" to "running"',
    });
  });

  it("knows the final statuses", () => {
    expect(runStatuses.filter(isFinalRunStatus)).toEqual(["completed", "failed", "cancelled"]);
  });

  it("recognises statuses", () => {
    expect(isRunStatus("paused")).toBe(true);
    expect(isRunStatus("awaiting_external")).toBe(false);
    expect(isRunStatus(3)).toBe(false);
  });

  it("lists the standard outcomes", () => {
    expect(standardOutcomes).toEqual(["approved", "rejected", "needs_review"]);
  });
});

describe("run restarts and cancellation", () => {
  it("allows retryRun only on ended runs and cancelRun only on runs that have not ended", async () => {
    const { canRetryRun, canCancelRun } = await import("../src/index.ts");
    expect(["completed", "failed", "cancelled"].every((s) => canRetryRun(s as never))).toBe(true);
    expect(["pending", "running", "paused"].some((s) => canRetryRun(s as never))).toBe(false);
    expect(["pending", "running", "paused"].every((s) => canCancelRun(s as never))).toBe(true);
    expect(["completed", "failed", "cancelled"].some((s) => canCancelRun(s as never))).toBe(false);
  });
});
