import { describe, expect, it } from "vitest";
import {
  assertNever,
  ConflictError,
  FlowgateError,
  InvalidTransitionError,
  isConflictError,
  isFlowgateError,
  isInvalidTransitionError,
  isNotFoundError,
  isValidationError,
  NotFoundError,
  ValidationError,
} from "../src/index.ts";

describe("domain errors", () => {
  it("NotFoundError names the resource and id", () => {
    const error = new NotFoundError("Workflow", "wfl_123");
    expect(error).toBeInstanceOf(FlowgateError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: "NotFoundError",
      code: "NOT_FOUND",
      resource: "Workflow",
      id: "wfl_123",
    });
    expect(error.message).toBe("Workflow wfl_123 not found");
  });

  it("ConflictError keeps the current status or null", () => {
    expect(new ConflictError("Session is processing", "processing")).toMatchObject({
      name: "ConflictError",
      code: "CONFLICT",
      message: "Session is processing",
      currentStatus: "processing",
    });
    expect(new ConflictError("Busy").currentStatus).toBeNull();
  });

  it("ValidationError carries its issues", () => {
    const issues = [{ path: ["graph", "entry"], message: "Entry is required" }];
    const error = new ValidationError("Invalid workflow graph", issues);
    expect(error).toMatchObject({ name: "ValidationError", code: "VALIDATION", issues });
  });

  it("InvalidTransitionError is a conflict", () => {
    const error = new InvalidTransitionError("session", "expired", "processing");
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({
      name: "InvalidTransitionError",
      code: "CONFLICT",
      entity: "session",
      from: "expired",
      to: "processing",
      currentStatus: "expired",
    });
  });

  it("predicates narrow by class", () => {
    const notFound = new NotFoundError("Run", "wfr_1");
    const conflict = new ConflictError("x");
    const transition = new InvalidTransitionError("run", "completed", "running");
    const validation = new ValidationError("x", []);
    const plain = new Error("x");
    expect([notFound, conflict, transition, validation, plain, "x", null].map(isFlowgateError)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
    expect([notFound, conflict, transition, validation, plain].map(isNotFoundError)).toEqual([
      true,
      false,
      false,
      false,
      false,
    ]);
    expect([notFound, conflict, transition, validation, plain].map(isConflictError)).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    expect([notFound, conflict, transition, validation, plain].map(isValidationError)).toEqual([
      false,
      false,
      false,
      true,
      false,
    ]);
    expect([conflict, transition].map(isInvalidTransitionError)).toEqual([false, true]);
  });

  it("assertNever throws", () => {
    const value = "surprise" as never;
    expect(() => assertNever(value)).toThrow('Unexpected value: "surprise"');
    expect(() => assertNever(value, "Unknown status")).toThrow("Unknown status");
  });
});
