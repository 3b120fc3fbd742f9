import { describe, expect, it } from "vitest";
import {
  allStepsCompleted,
  canReserve,
  completeStep,
  creditAmountProblem,
  creditPrices,
  generateLinkToken,
  hashLinkToken,
  InsufficientCreditsError,
  initialSteps,
  isValidExpiryHours,
  linkState,
  refundIdempotencyKey,
  sendIdempotencyKey,
  sendsAreCharged,
} from "../src/index.ts";

describe("credit rules", () => {
  it("charges one credit per live send; sandbox sends are free", () => {
    expect(creditPrices.send_ddq).toBe(1);
    expect(sendsAreCharged("live")).toBe(true);
    expect(sendsAreCharged("sandbox")).toBe(false);
  });

  it("reserves only what the balance minus reservations covers", () => {
    expect(canReserve({ balance: 1, reserved: 0 }, 1)).toBe(true);
    expect(canReserve({ balance: 1, reserved: 1 }, 1)).toBe(false);
    expect(canReserve({ balance: 0, reserved: 0 }, 1)).toBe(false);
    expect(canReserve({ balance: 5, reserved: 3 }, 2)).toBe(true);
  });

  it("validates grant and adjustment amounts", () => {
    expect(creditAmountProblem("grant", 1)).toBeNull();
    expect(creditAmountProblem("grant", 0)).toBe("must be from 1 to 1000000");
    expect(creditAmountProblem("grant", 1.5)).toBe("must be a whole number of credits");
    expect(creditAmountProblem("adjustment", -3)).toBeNull();
    expect(creditAmountProblem("adjustment", 0)).toBe("must not be 0");
    expect(creditAmountProblem("adjustment", -1_000_001)).toMatch(/from -1000000/);
  });

  it("keys a send's reservation and charge by its workflow session, a refund by its charge", () => {
    expect(sendIdempotencyKey("wfs_1")).toBe("send:wfs_1");
    expect(refundIdempotencyKey("cle_1")).toBe("refund:cle_1");
  });
});

describe("magic links", () => {
  it("generates random tokens and stores only their SHA-256", () => {
    const a = generateLinkToken();
    const b = generateLinkToken();
    expect(a).toMatch(/^fgl_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashLinkToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashLinkToken(a)).toBe(hashLinkToken(a));
    expect(hashLinkToken(a)).not.toBe(hashLinkToken(b));
  });

  it("expires at expiresAt exactly; revocation wins", () => {
    const expiresAt = new Date("2026-02-26T12:00:00Z");
    expect(linkState({ expiresAt, revokedAt: null }, new Date("2026-02-26T11:59:59Z"))).toBe("active");
    expect(linkState({ expiresAt, revokedAt: null }, expiresAt)).toBe("expired");
    expect(
      linkState({ expiresAt, revokedAt: new Date("2026-02-25T00:00:00Z") }, new Date("2026-02-26T13:00:00Z")),
    ).toBe("revoked");
  });

  it("accepts lifetimes of 1 to 168 whole hours", () => {
    expect([0, 1, 48, 168, 169, 2.5].map(isValidExpiryHours)).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it("tracks steps until every one is completed", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    const steps = initialSteps(["ddq", "verification"]);
    expect(allStepsCompleted(steps)).toBe(false);
    const one = completeStep(steps, "ddq", at);
    expect(one[0]).toEqual({ kind: "ddq", status: "completed", completedAt: at.toISOString() });
    expect(completeStep(one, "ddq", new Date())[0]).toEqual(one[0]);
    expect(allStepsCompleted(completeStep(one, "verification", at))).toBe(true);
  });
});

describe("InsufficientCreditsError", () => {
  it("is retryable only when credits held by sends in flight stand in the way", () => {
    const held = new InsufficientCreditsError(2, { balance: 3, reserved: 2 });
    expect(held).toMatchObject({
      required: 2,
      available: 1,
      balance: 3,
      reservedCredits: 2,
      shortfall: "held_by_sends_in_flight",
      retryable: true,
    });
    const low = new InsufficientCreditsError(2, { balance: 1, reserved: 1 });
    expect(low).toMatchObject({ available: 0, shortfall: "balance_too_low", retryable: false });
    expect(low.message).toMatch(/balance is 1/);
  });
});
