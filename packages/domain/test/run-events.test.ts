import { describe, expect, it } from "vitest";
import { isFinalRunEventType, isRunEventType, type RunEventData, runEventTypes } from "../src/index.ts";

describe("run events", () => {
  it("lists every event type", () => {
    expect(runEventTypes).toEqual([
      "run.started",
      "node.started",
      "node.retrying",
      "node.completed",
      "run.paused",
      "run.resumed",
      "run.completed",
      "run.failed",
      "run.cancelled",
      "run.retried",
    ]);
  });

  it("knows which events end a run", () => {
    expect(runEventTypes.filter(isFinalRunEventType)).toEqual([
      "run.completed",
      "run.failed",
      "run.cancelled",
    ]);
  });

  it("recognises event types", () => {
    expect(isRunEventType("node.retrying")).toBe(true);
    expect(isRunEventType("node.failed")).toBe(false);
  });

  it("types each event's data by its type", () => {
    const events: RunEventData[] = [
      { type: "run.started", data: { workflowId: "wfl_1", workflowVersion: 3 } },
      { type: "node.started", data: { nodeId: "aml", nodeType: "policy", attempt: 1 } },
      {
        type: "node.retrying",
        data: { nodeId: "aml", attempt: 1, nextAttemptAt: "2025-01-01T00:00:01.000Z", error: "timeout" },
      },
      {
        type: "node.completed",
        data: { nodeId: "aml", nodeType: "policy", result: "pass", routedTo: "risk", durationMs: 12 },
      },
      { type: "run.paused", data: { nodeId: "gate", reason: "external_gate" } },
      { type: "run.resumed", data: { nodeId: "gate", decision: "continue" } },
      { type: "run.completed", data: { finalStatus: "approved" } },
    ];
    const described = events.map((event) => {
      switch (event.type) {
        case "node.completed":
          return `${event.data.nodeId}->${event.data.routedTo}`;
        case "run.completed":
          return event.data.finalStatus;
        default:
          return event.type;
      }
    });
    expect(described).toEqual([
      "run.started",
      "node.started",
      "node.retrying",
      "aml->risk",
      "run.paused",
      "run.resumed",
      "approved",
    ]);
  });
});
