import { randomBytes } from "node:crypto";
import {
  type Actor,
  Application,
  createQuestionnaire,
  grantCredits,
  provisionWorkspace,
  sendToRecipient,
} from "@flowgate/application";
import { createTestDatabase, type TestDatabase } from "@flowgate/db/testing";
import { Engine } from "@flowgate/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kycQuestionnaire, TestSmtpServer } from "./ddq-helpers.ts";
import { type FlowgateProcess, startFlowgateProcess } from "./processes.ts";

const sendCount = 120;
const leaseMs = 1500;

/**
 * Real worker processes deliver live recipient emails to a real SMTP server (which answers each message
 * after 20–120 ms, so deliveries are in flight) while the test SIGKILLs them at random moments and starts
 * replacements. Charges must equal the distinct emails the server accepted (a retry after a kill between
 * the server's "250 OK" and the settle sends the same Message-ID again; it is never charged twice), every
 * send must end `sent`, and no reservation may stay held.
 */
describe.skipIf(!process.env.DATABASE_URL)("crash recovery: SIGKILL workers during email sends", () => {
  let t: TestDatabase;
  let app: Application;
  let actor: Actor;
  let smtp: TestSmtpServer;
  const key = randomBytes(32).toString("base64");
  const workers: FlowgateProcess[] = [];
  let liveKey: string;
  let questionnaireId: string;
  let env: Record<string, string>;

  const pendingCount = async () => {
    const row = await t.db
      .selectFrom("email_sends")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("status", "=", "pending")
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  /** Charges, held reservations, the account, and the sends as stored. */
  async function ledgerState() {
    const sends = await t.db.selectFrom("email_sends").select(["id", "status", "credits_charged"]).execute();
    const charges = await t.db
      .selectFrom("credit_ledger")
      .select(["reference_id", "amount"])
      .where("kind", "=", "charge")
      .execute();
    const held = await t.db
      .selectFrom("credit_reservations")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("status", "=", "held")
      .executeTakeFirstOrThrow();
    const account = await t.db.selectFrom("credit_accounts").selectAll().executeTakeFirstOrThrow();
    return { sends, charges, held: Number(held.n), account };
  }

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    smtp = await TestSmtpServer.start();
    smtp.delayMs = () => 20 + Math.floor(Math.random() * 100);
    // Queues the sends without waiting for them (no worker here); the workers open the sealed tokens
    // with the same FLOWGATE_SECRET_KEY.
    app = new Application({
      engine: new Engine({ db: t.db, worker: false, secretKey: key }),
      sends: { inline: false, waitMs: 0 },
    });
    const ws = await provisionWorkspace(app, { organizationName: "o", workspaceName: "w" });
    liveKey = ws.keys.live!;
    actor = { workspaceId: ws.workspaceId, environment: "live", keyId: "send-crash-test", scopes: ["admin"] };
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop("SIGKILL")));
    await smtp?.close();
    await t?.close();
  });

  it(`charges exactly the ${sendCount} emails the SMTP server accepted while workers are killed`, async () => {
    await grantCredits(app, actor, { amount: sendCount + 50 });
    const { questionnaire } = await createQuestionnaire(app, actor, {
      name: "Supplier DDQ",
      sections: kycQuestionnaire,
    });
    questionnaireId = questionnaire.id;
    for (let i = 0; i < sendCount; i++) {
      const queued = await sendToRecipient(app, actor, {
        entity: { legalName: `Supplier ${i}` },
        ddq: { questionnaireId: questionnaire.id },
        email: `crash-${i}@supplier.example`,
      });
      expect(queued.status).toBe("queued");
    }

    env = {
      DATABASE_URL: t.url!,
      FLOWGATE_DB_SCHEMA: t.schema!,
      FLOWGATE_LEASE_MS: String(leaseMs),
      FLOWGATE_POLL_INTERVAL_MS: "100",
      FLOWGATE_WORKER_CONCURRENCY: "4",
      FLOWGATE_SEED_DEMO: "false",
      FLOWGATE_SECRET_KEY: key,
      SMTP_URL: smtp.url,
    };
    workers.push(...(await Promise.all([0, 1, 2].map(() => startFlowgateProcess("worker", env)))));

    // Kill a random live worker every 150–400 ms (SIGKILL: no drain) and start a replacement, until every
    // send has finished or 12 kills were made; then let the survivors finish.
    let kills = 0;
    let killedMidDelivery = 0;
    const startedAt = Date.now();
    const replacements: Promise<void>[] = [];
    const deadline = Date.now() + 180_000;
    while ((await pendingCount()) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
      if (kills >= 12) continue;
      const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      if (live.length === 0) continue;
      const victim = live[Math.floor(Math.random() * live.length)]!;
      const held = await t.db
        .selectFrom("jobs")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("kind", "=", "email.send")
        .where("locked_until", ">", new Date())
        .executeTakeFirstOrThrow();
      if (Number(held.n) > 0) killedMidDelivery++;
      await victim.stop("SIGKILL");
      kills++;
      replacements.push(startFlowgateProcess("worker", env).then((w) => void workers.push(w)));
    }
    await Promise.all(replacements);
    expect(await pendingCount()).toBe(0);
    expect(kills).toBeGreaterThan(3);

    const { sends, charges, held, account } = await ledgerState();
    expect(sends).toHaveLength(sendCount);
    expect(sends.filter((s) => s.status === "sent")).toHaveLength(sendCount);

    const accepted = smtp.received.length;
    const distinct = new Set(smtp.received.map((email) => email.messageId));

    // Every accepted message is one of the sends (Message-ID <snd_…@host>), each send's message accepted.
    const sendIds = new Set(sends.map((s) => `<${s.id}@flowgate.local>`));
    expect([...distinct].every((id) => sendIds.has(id))).toBe(true);
    expect(distinct.size).toBe(sendCount);
    // One charge per distinct accepted email, one per link, and nothing held.
    expect(charges).toHaveLength(distinct.size);
    expect(new Set(charges.map((c) => c.reference_id)).size).toBe(charges.length);
    expect(sends.reduce((sum, s) => sum + s.credits_charged, 0)).toBe(distinct.size);
    expect(held).toBe(0);
    expect(account).toMatchObject({ balance: 50, reserved: 0 });
    // Each recipient got its own message (duplicates, if any, are the same message again).
    for (let i = 0; i < sendCount; i++) {
      const messages = smtp.to(`crash-${i}@supplier.example`);
      expect(new Set(messages.map((m) => m.messageId)).size).toBe(1);
      expect(new Set(messages.map((m) => m.token)).size).toBe(1);
    }
    console.log(
      `send crash test: ${kills} SIGKILLs (${killedMidDelivery} while email jobs were leased), ` +
        `${smtp.connectionErrors} SMTP connections reset; ${sendCount} sends done in ${Date.now() - startedAt} ms, ` +
        `${accepted} messages accepted by the SMTP server (${distinct.size} distinct Message-IDs, ` +
        `${accepted - distinct.size} re-sent after a kill), ${charges.length} charges, ${held} reservations held`,
    );
  }, 240_000);

  it("a gateway SIGKILLed during inline sends: workers finish its emails once its lease runs out, each charged once", async () => {
    // The default mode: the gateway sends inline, holding each email job for 1.5 s here.
    const gateway = await startFlowgateProcess("gateway", { ...env, FLOWGATE_SEND_INLINE_LEASE_MS: "1500" });
    const before = smtp.received.length;
    const count = 40;
    const requests = Array.from({ length: count }, (_, i) =>
      fetch(gateway.url!, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": liveKey },
        body: JSON.stringify({
          query: `mutation ($email: String!, $name: String!, $q: ID!) {
            sendWorkflow(entity: { legalName: $name }, ddq: { questionnaireId: $q }, email: $email) {
              __typename ... on WorkflowResponse { status }
            }
          }`,
          variables: { email: `inline-${i}@supplier.example`, name: `Inline ${i}`, q: questionnaireId },
        }),
      })
        .then(async (response) => ((await response.json()) as any).data?.sendWorkflow?.status ?? "error")
        .catch(() => "connection lost"),
    );
    // Kill the gateway as soon as its first email is accepted: the others are in flight.
    while (smtp.received.length === before) await new Promise((r) => setTimeout(r, 5));
    await gateway.stop("SIGKILL");
    const answers = await Promise.all(requests);
    const leftPending = await pendingCount();
    const deadline = Date.now() + 60_000;
    while ((await pendingCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await pendingCount()).toBe(0);

    const { sends, charges, held, account } = await ledgerState();
    const distinct = new Set(smtp.received.map((email) => email.messageId));
    const sent = sends.filter((s) => s.status === "sent");
    // Both phases together: every stored send ended sent, one charge per distinct accepted email.
    expect(sends.every((s) => s.status === "sent")).toBe(true);
    expect(distinct.size).toBe(sent.length);
    expect(charges).toHaveLength(distinct.size);
    expect(new Set(charges.map((c) => c.reference_id)).size).toBe(charges.length);
    expect(held).toBe(0);
    expect(account).toMatchObject({ balance: sendCount + 50 - charges.length, reserved: 0 });
    const answered = answers.filter((a) => a === "sent").length;
    console.log(
      `inline crash: gateway SIGKILLed with ${count} sends requested: ${answered} answered sent, ` +
        `${answers.length - answered} cut off; ${sent.length - sendCount} committed, ${leftPending} of them left ` +
        `pending by the kill and finished by workers; ${smtp.received.length - before} messages accepted ` +
        `(${distinct.size - sendCount} distinct); totals: ${charges.length} charges = ${distinct.size} distinct ` +
        `accepted emails, ${held} reservations held`,
    );
  }, 120_000);
});
