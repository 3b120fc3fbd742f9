import { provisionWorkspace } from "@flowgate/application";
import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CREDIT_BALANCE,
  createKycQuestionnaire,
  GRANT_CREDITS,
  SEND_WORKFLOW,
  TestSmtpServer,
} from "./ddq-helpers.ts";
import { type Harness, startHarness } from "./harness.ts";

interface LedgerNode {
  id: string;
  kind: string;
  amount: number;
  balanceAfter: number;
  action: string | null;
  referenceId: string | null;
  note: string | null;
}

const LEDGER = /* GraphQL */ `
  query ($after: String, $kind: CreditEntryKind) {
    creditLedger(first: 100, after: $after, kind: $kind) {
      edges { node { id kind amount balanceAfter action referenceId note } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const ADJUST = /* GraphQL */ `
  mutation ($amount: Int!, $note: String!) {
    adjustCredits(amount: $amount, note: $note) {
      __typename
      ... on CreditLedgerEntry { kind amount balanceAfter note }
      ... on ValidationError { issues { path message } }
    }
  }
`;

const REFUND = /* GraphQL */ `
  mutation ($chargeId: ID!) {
    refundCredit(chargeId: $chargeId, note: "Goodwill") {
      __typename
      ... on CreditLedgerEntry { kind amount referenceId action }
      ... on ValidationError { issues { path message } }
      ... on ConflictError { message }
      ... on NotFoundError { resource }
    }
  }
`;

describe.each(testBackends())("credits (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;

  /** Every ledger entry of the key's tenant, newest first (follows the pages). */
  async function ledger(key: string, kind?: string): Promise<LedgerNode[]> {
    const entries: LedgerNode[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await h.gql(key, LEDGER, { after, kind })).data.creditLedger;
      entries.push(...page.edges.map((edge: { node: LedgerNode }) => edge.node));
      if (!page.pageInfo.hasNextPage) return entries;
      after = page.pageInfo.endCursor;
    }
  }

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    h = await startHarness(backend, { email: new SmtpEmailSender({ url: smtp.url }) });
  });
  afterAll(async () => {
    await h.close();
    await smtp.close();
  });
  beforeEach(() => smtp.acceptAll());

  it("grantCredits needs the admin scope; the balance is read with credits:read", async () => {
    const limited = await provisionWorkspace(h.app, {
      organizationName: "Finance",
      workspaceName: "Finance",
      scopes: ["credits:read", "responses:write"],
    });
    const denied = await h.gql(limited.keys.live, GRANT_CREDITS, { amount: 10 });
    expect(denied.errors?.[0]?.message).toMatch(/Not authorized/);
    expect((await h.gql(limited.keys.live, CREDIT_BALANCE)).data.creditBalance).toEqual({
      balance: 0,
      reserved: 0,
      available: 0,
      environment: "live",
    });
    const noScope = await provisionWorkspace(h.app, {
      organizationName: "Blind",
      workspaceName: "Blind",
      scopes: ["sessions:read"],
    });
    expect((await h.gql(noScope.keys.live, CREDIT_BALANCE)).errors?.[0]?.message).toMatch(/Not authorized/);
  });

  it("grants, adjusts and refunds as ledger entries; the balance is the ledger's sum", async () => {
    const ws = await provisionWorkspace(h.app, {
      organizationName: "Ledger",
      workspaceName: "Ledger",
    });
    const key = ws.keys.live;
    for (const amount of [0, -5, 2_000_000]) {
      const bad = await h.gql(key, GRANT_CREDITS, { amount });
      expect(bad.data.grantCredits).toMatchObject({
        __typename: "ValidationError",
        issues: [{ path: ["amount"] }],
      });
    }
    const grant = await h.gql(key, GRANT_CREDITS, {
      amount: 10,
      note: "Top-up",
      idempotencyKey: "invoice-1",
    });
    expect(grant.data.grantCredits).toMatchObject({
      kind: "grant",
      amount: 10,
      balanceAfter: 10,
      note: "Top-up",
    });
    const retried = await h.gql(key, GRANT_CREDITS, {
      amount: 10,
      note: "Top-up",
      idempotencyKey: "invoice-1",
    });
    expect(retried.data.grantCredits.id).toBe(grant.data.grantCredits.id);
    const reused = await h.gql(key, GRANT_CREDITS, { amount: 11, idempotencyKey: "invoice-1" });
    expect(reused.data.grantCredits.__typename).toBe("ConflictError");

    expect((await h.gql(key, ADJUST, { amount: -11, note: "Too much" })).data.adjustCredits).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["amount"] }],
    });
    expect((await h.gql(key, ADJUST, { amount: -2, note: " " })).data.adjustCredits.issues).toEqual([
      { path: ["note"], message: "is required" },
    ]);
    expect((await h.gql(key, ADJUST, { amount: -2, note: "Correction" })).data.adjustCredits).toMatchObject({
      kind: "adjustment",
      amount: -2,
      balanceAfter: 8,
    });

    const questionnaireId = await createKycQuestionnaire(h, key);
    const sent = await h.gql(key, SEND_WORKFLOW, {
      entity: { legalName: "Charged Ltd" },
      ddq: { questionnaireId },
      email: "charged@example.com",
    });
    expect(sent.data.sendWorkflow.creditsCharged).toBe(1);
    const [charge] = await ledger(key, "charge");
    expect(charge).toMatchObject({
      kind: "charge",
      amount: -1,
      balanceAfter: 7,
      action: "send_ddq",
      referenceId: sent.data.sendWorkflow.workflowSessionId,
    });
    const refund = await h.gql(key, REFUND, { chargeId: charge!.id });
    expect(refund.data.refundCredit).toEqual({
      __typename: "CreditLedgerEntry",
      kind: "refund",
      amount: 1,
      referenceId: charge!.id,
      action: "send_ddq",
    });
    expect((await h.gql(key, REFUND, { chargeId: charge!.id })).data.refundCredit.__typename).toBe(
      "ConflictError",
    );
    expect(
      (await h.gql(key, REFUND, { chargeId: grant.data.grantCredits.id })).data.refundCredit,
    ).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["chargeId"] }],
    });
    expect((await h.gql(h.acme.keys.live, REFUND, { chargeId: charge!.id })).data.refundCredit).toEqual({
      __typename: "NotFoundError",
      resource: "CreditLedgerEntry",
    });

    const entries = await ledger(key);
    expect(entries.map((e) => e.kind)).toEqual(["refund", "charge", "adjustment", "grant"]);
    const balance = (await h.gql(key, CREDIT_BALANCE)).data.creditBalance;
    expect(balance).toEqual({ balance: 8, reserved: 0, available: 8, environment: "live" });
    expect(entries.reduce((sum, e) => sum + e.amount, 0)).toBe(balance.balance);
    expect((await h.gql(ws.keys.sandbox, CREDIT_BALANCE)).data.creditBalance.balance).toBe(0);
  });

  // 200 sends, each a reservation, an email job and a settlement: PGlite runs them one transaction at a
  // time, which can take longer than the default 30 s on a loaded machine.
  it("200 parallel sends against 50 credits with a fifth of the emails failing: charges = emails sent, never below zero", async () => {
    const ws = await provisionWorkspace(h.app, { organizationName: "Burst", workspaceName: "Burst" });
    const key = ws.keys.live;
    const questionnaireId = await createKycQuestionnaire(h, key);
    await h.gql(key, GRANT_CREDITS, { amount: 50 });
    const entityId = (
      await h.gql(key, `mutation { createEntity(legalName: "Burst Ltd") { ... on Entity { id } } }`)
    ).data.createEntity.id;
    smtp.rejectWhen((address) => address.startsWith("fail-"));
    const receivedBefore = smtp.received.length;

    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        h.gql(key, SEND_WORKFLOW, {
          entityId,
          ddq: { questionnaireId },
          email: i % 5 === 0 ? `fail-${i}@burst.example` : `ok-${i}@burst.example`,
        }),
      ),
    );
    const outcomes = results.map((r, i) => ({ i, typename: r.data?.sendWorkflow?.__typename as string, r }));
    const unexpected = outcomes.filter(
      (o) => !["WorkflowResponse", "InsufficientCreditsError", "EmailDeliveryError"].includes(o.typename),
    );
    expect(unexpected.map((o) => o.r)).toEqual([]);
    const sent = outcomes.filter((o) => o.typename === "WorkflowResponse");
    const failed = outcomes.filter((o) => o.typename === "EmailDeliveryError");
    const refused = outcomes.filter((o) => o.typename === "InsufficientCreditsError");
    expect(sent.length + failed.length + refused.length).toBe(200);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThanOrEqual(50);
    // 160 good addresses for 50 credits: at least 110 are refused before any email; some emails failed.
    expect(refused.length).toBeGreaterThanOrEqual(110);
    expect(failed.length).toBeGreaterThan(0);
    expect(smtp.refused).toBeGreaterThanOrEqual(failed.length);
    expect(failed.every((o) => o.i % 5 === 0)).toBe(true);
    expect(sent.every((o) => o.i % 5 !== 0)).toBe(true);

    // The emails actually sent are exactly the successful sends, each charged once.
    const delivered = smtp.received
      .slice(receivedBefore)
      .filter((email) => email.to[0]?.endsWith("@burst.example"));
    expect(delivered.length).toBe(sent.length);
    const charges = await ledger(key, "charge");
    expect(charges.length).toBe(sent.length);
    expect(new Set(charges.map((c) => c.referenceId))).toEqual(
      new Set(sent.map((o) => o.r.data.sendWorkflow.workflowSessionId)),
    );
    const entries = await ledger(key);
    expect(entries.every((e) => e.balanceAfter >= 0)).toBe(true);
    const balance = (await h.gql(key, CREDIT_BALANCE)).data.creditBalance;
    expect(balance).toEqual({
      balance: 50 - sent.length,
      reserved: 0,
      available: 50 - sent.length,
      environment: "live",
    });
    expect(entries.reduce((sum, e) => sum + e.amount, 0)).toBe(balance.balance);
    // Failed sends left no response behind.
    const responses = await h.gql(
      key,
      `query ($id: ID!) { entity(id: $id) { responses(first: 100) { edges { node { id } } } } }`,
      {
        id: entityId,
      },
    );
    expect(responses.data.entity.responses.edges.length).toBe(sent.length);
  }, 120_000);

  it("tells credits held by a send in flight (retryable) from a balance too low (not retryable)", async () => {
    const ws = await provisionWorkspace(h.app, { organizationName: "Held", workspaceName: "Held" });
    const key = ws.keys.live;
    const questionnaireId = await createKycQuestionnaire(h, key, "Held DDQ");
    await h.gql(key, GRANT_CREDITS, { amount: 1, note: "one send" });
    const send = (email: string) =>
      h.gql(key, SEND_WORKFLOW, { entity: { legalName: "Held Ltd" }, ddq: { questionnaireId }, email });

    // The first send holds the only credit while its email waits at the SMTP server.
    smtp.holdWhen((address) => address === "slow@held.example");
    const inFlight = send("slow@held.example");
    await vi.waitFor(() => expect(smtp.held).toEqual(["slow@held.example"]), { timeout: 15_000 });
    const held = await send("second@held.example");
    expect(held.data.sendWorkflow).toMatchObject({
      __typename: "InsufficientCreditsError",
      required: 1,
      available: 0,
      balance: 1,
      reservedCredits: 1,
      shortfall: "held_by_sends_in_flight",
      retryable: true,
    });
    expect(held.data.sendWorkflow.message).toMatch(/held by sends still in flight/);

    // The held send's email fails, its credit comes back, and the retry goes through.
    smtp.releaseHeld({ refuse: true });
    expect((await inFlight).data.sendWorkflow.__typename).toBe("EmailDeliveryError");
    const retried = await send("second@held.example");
    expect(retried.data.sendWorkflow).toMatchObject({ __typename: "WorkflowResponse", creditsCharged: 1 });

    // Now the balance itself is spent: retrying cannot help until someone grants credits.
    const broke = await send("third@held.example");
    expect(broke.data.sendWorkflow).toMatchObject({
      __typename: "InsufficientCreditsError",
      required: 1,
      available: 0,
      balance: 0,
      reservedCredits: 0,
      shortfall: "balance_too_low",
      retryable: false,
    });
    expect(smtp.to("third@held.example")).toEqual([]);
  });
});
