import { testBackends } from "@flowgate/db/testing";
import { SmtpEmailSender } from "@flowgate/engine";
import { describe, expect, onTestFinished } from "vitest";
import { buildApp } from "../src/app.ts";
import { parseSettings } from "../src/settings.ts";
import {
  CREDIT_BALANCE,
  createKycQuestionnaire,
  GRANT_CREDITS,
  RESPONSE,
  SEND_WORKFLOW,
} from "./ddq-helpers.ts";
import { eventually, harnessEnv } from "./harness.ts";
import { smtpHarnessTest } from "./harness-test.ts";

const SESSION = /* GraphQL */ `query ($id: ID!) { workflowSession(id: $id) { id emailSentAt } }`;

// A gateway without a worker that leaves emails to workers: sends wait 1.5 s for their job, then answer
// `queued`.
const test = smtpHarnessTest({
  env: { FLOWGATE_ROLE: "gateway", FLOWGATE_SEND_INLINE: "false", FLOWGATE_SEND_WAIT_MS: "1500" },
});

/**
 * Sends as durable jobs, seen through the API: a gateway without a worker answers `queued` after its wait
 * and a worker started later sends and charges; reservations that expire are given back (by the job, or
 * by the sweeper when the job is gone), and nothing is charged for them.
 */
describe.each(testBackends())("durable sends (%s)", (backend) => {
  test.override({ backend });

  test("answers queued while no worker runs; a worker started later sends with a Message-ID of its job, charges once, and sweeps expired reservations", async ({
    harness: h,
    smtp,
  }) => {
    const live = h.acme.keys.live;
    const questionnaireId = await createKycQuestionnaire(h, live);
    const granted = await h.gql(live, GRANT_CREDITS, { amount: 10 });
    expect(granted.data.grantCredits.kind).toBe("grant");

    async function send(n: string) {
      const sent = await h.gql(live, SEND_WORKFLOW, {
        entity: { legalName: `Supplier ${n}` },
        ddq: { questionnaireId },
        email: `durable-${backend}-${n}@supplier.example`,
      });
      return sent.data.sendWorkflow;
    }

    const a = await send("a");
    const b = await send("b");
    const c = await send("c");
    for (const queued of [a, b, c]) {
      expect(queued).toMatchObject({
        __typename: "WorkflowResponse",
        status: "queued",
        emailSent: false,
        creditsCharged: 0,
      });
    }
    expect((await h.gql(live, CREDIT_BALANCE)).data.creditBalance).toMatchObject({
      balance: 10,
      reserved: 3,
      available: 7,
    });

    const db = h.database.db;
    // a and b: their reservations expired while no worker ran; b's job is lost on top (deleted).
    await db
      .updateTable("credit_reservations")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("reference_id", "in", [a.workflowSessionId, b.workflowSessionId])
      .execute();
    const bSend = await db
      .selectFrom("email_sends")
      .select("id")
      .where("workflow_session_id", "=", b.workflowSessionId)
      .executeTakeFirstOrThrow();
    await db.deleteFrom("jobs").where("key", "=", `email.send:${bSend.id}`).execute();

    const worker = buildApp(
      parseSettings({ ...harnessEnv, FLOWGATE_ROLE: "worker", FLOWGATE_SWEEP_INTERVAL_MS: "100" }),
      { database: h.database, email: new SmtpEmailSender({ url: smtp.url }) },
    );
    onTestFinished(() => worker.stop());
    await worker.start();

    const sentAt = await eventually(
      async () => (await h.gql(live, SESSION, { id: c.workflowSessionId })).data.workflowSession?.emailSentAt,
    );
    expect(sentAt).toBeTruthy();
    const balance = await eventually(async () => {
      const current = (await h.gql(live, CREDIT_BALANCE)).data.creditBalance;
      return current.reserved === 0 ? current : null;
    });
    expect(balance).toMatchObject({ balance: 9, reserved: 0, available: 9 });

    // Only c went out, with the Message-ID of its email job.
    const email = smtp.only(`durable-${backend}-c@supplier.example`);
    const cSend = await db
      .selectFrom("email_sends")
      .selectAll()
      .where("workflow_session_id", "=", c.workflowSessionId)
      .executeTakeFirstOrThrow();
    expect(email.messageId).toBe(`<${cSend.id}@flowgate.local>`);
    expect(cSend).toMatchObject({ status: "sent", credits_charged: 1, sealed_token: null });
    expect(smtp.to(`durable-${backend}-a@supplier.example`)).toEqual([]);
    expect(smtp.to(`durable-${backend}-b@supplier.example`)).toEqual([]);

    // a (its job saw the reservation expired) and b (the sweeper, its job gone) failed like a refused
    // email: response and link deleted, reservation released, nothing charged.
    const outcomes = await db
      .selectFrom("email_sends")
      .select(["workflow_session_id", "status", "failure", "sealed_token"])
      .where("workflow_session_id", "in", [a.workflowSessionId, b.workflowSessionId])
      .orderBy("id")
      .execute();
    expect(outcomes).toEqual([
      {
        workflow_session_id: a.workflowSessionId,
        status: "failed",
        failure: expect.stringMatching(/reservation expired/),
        sealed_token: null,
      },
      {
        workflow_session_id: b.workflowSessionId,
        status: "failed",
        failure: expect.stringMatching(/reservation expired/),
        sealed_token: null,
      },
    ]);
    for (const gone of [a, b]) {
      expect((await h.gql(live, RESPONSE, { id: gone.responseId })).data.response).toBeNull();
      expect((await h.gql(live, SESSION, { id: gone.workflowSessionId })).data.workflowSession).toBeNull();
    }
    const held = await db
      .selectFrom("credit_reservations")
      .select("status")
      .where("reference_id", "in", [a.workflowSessionId, b.workflowSessionId, c.workflowSessionId])
      .orderBy("reference_id")
      .execute();
    expect(held.map((r) => r.status).sort()).toEqual(["released", "released", "settled"]);

    // With a worker running, a send answers as a synchronous one: sent and charged.
    const d = await send("d");
    expect(d).toMatchObject({ status: "sent", emailSent: true, creditsCharged: 1 });
    expect((await h.gql(live, CREDIT_BALANCE)).data.creditBalance).toMatchObject({ balance: 8, reserved: 0 });
  });
});
