import { describe, expect, it } from "vitest";
import {
  buildWebhookPayload,
  endpointWantsEvent,
  generateWebhookSecret,
  hasIdPrefix,
  isWebhookEventType,
  newId,
  webhookEventTypes,
  webhookRetryDelayMs,
} from "../src/index.ts";

describe("webhook catalogue", () => {
  it("builds a versioned snake_case payload and checks its data", () => {
    const id = newId("msg");
    const payload = buildWebhookPayload({
      id,
      type: "credits.low_balance",
      createdAt: new Date("2026-11-30T06:00:00Z"),
      workspaceId: "ws_1",
      environment: "sandbox",
      data: { object: "credit_balance", balance: 3, threshold: 10, ledger_entry_id: "cle_1" },
    });
    expect(payload).toEqual({
      id,
      type: "credits.low_balance",
      version: 1,
      timestamp: "2026-11-30T06:00:00.000Z",
      workspace_id: "ws_1",
      environment: "sandbox",
      data: { object: "credit_balance", balance: 3, threshold: 10, ledger_entry_id: "cle_1" },
    });
    expect(hasIdPrefix(id, "msg")).toBe(true);
    expect(() =>
      buildWebhookPayload({
        id,
        type: "ping",
        createdAt: new Date(),
        workspaceId: "ws_1",
        environment: "live",
        data: { object: "ping", endpoint_id: 3 } as never,
      }),
    ).toThrow();
  });

  it("has the session management events, whose data is the session with its tags", () => {
    for (const type of ["session.updated", "session.resumed", "session.reprocessed"] as const) {
      expect(isWebhookEventType(type)).toBe(true);
      const data = {
        object: "session" as const,
        id: "ses_1",
        status: "created",
        result: null,
        workflow_id: null,
        reference_id: null,
        metadata: {},
        tags: ["vip"],
        created_at: "2026-11-30T06:00:00.000Z",
        submitted_at: null,
        completed_at: null,
        expires_at: null,
      };
      const payload = buildWebhookPayload({
        id: newId("msg"),
        type,
        createdAt: new Date(),
        workspaceId: "ws_1",
        environment: "sandbox",
        data,
      });
      expect(payload.data).toEqual(data);
      const { tags: _tags, ...withoutTags } = data;
      expect(() =>
        buildWebhookPayload({
          id: newId("msg"),
          type,
          createdAt: new Date(),
          workspaceId: "ws_1",
          environment: "sandbox",
          data: withoutTags as never,
        }),
      ).toThrow();
    }
  });

  it("matches subscriptions by type or *", () => {
    expect(webhookEventTypes).toContain("response.autofill_completed");
    expect(isWebhookEventType("session.completed")).toBe(true);
    expect(isWebhookEventType("ping")).toBe(false);
    expect(endpointWantsEvent(["*"], "session.created")).toBe(true);
    expect(endpointWantsEvent(["session.completed"], "session.created")).toBe(false);
  });

  it("makes Standard Webhooks secrets", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it("backs off exponentially with jitter over about three days", () => {
    const exact = (retry: number) => webhookRetryDelayMs(retry, 10_000, () => 0.5);
    expect([1, 2, 3].map(exact)).toEqual([10_000, 30_000, 90_000]);
    expect(exact(20)).toBe(24 * 3600 * 1000);
    const total = Array.from({ length: 11 }, (_, i) => exact(i + 1)).reduce((a, b) => a + b, 0);
    expect(total / 3600_000).toBeGreaterThan(60);
    expect(total / 3600_000).toBeLessThan(84);
    expect(webhookRetryDelayMs(1, 10_000, () => 0)).toBe(8000);
    expect(webhookRetryDelayMs(1, 10_000, () => 0.999999)).toBe(12_000);
  });
});
