import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testBackends } from "@flowgate/db/testing";
import { type EmailMessage, type EmailSender, OutboxEmailSender, SmtpEmailSender } from "@flowgate/engine";
import type { Kysely } from "kysely";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";
import { createLogger } from "../src/logger.ts";
import { parseSettings } from "../src/settings.ts";
import {
  createKycQuestionnaire,
  GRANT_CREDITS,
  kycAnswers,
  recipientGql,
  SAVE_RESPONSE,
  SEND_RESPONSE,
  SEND_WORKFLOW,
  TestSmtpServer,
} from "./ddq-helpers.ts";
import {
  CREATE_SESSION,
  CREATE_WORKFLOW,
  DECIDE,
  designExampleGraph,
  highRiskSandbox,
  SESSION,
  SUBMIT_SESSION,
} from "./fixtures.ts";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { databaseSources, logSources, scanForSecrets } from "./secret-scan.ts";
import { startReceiver, verifies, type WebhookReceiver } from "./webhook-receiver.ts";

const CREATE_KEY = /* GraphQL */ `
  mutation ($workspaceId: ID!, $environment: Environment!, $name: String!, $scopes: [String!]!) {
    createApiKey(workspaceId: $workspaceId, environment: $environment, name: $name, scopes: $scopes) {
      __typename
      ... on CreatedApiKey { key apiKey { id } }
      ... on LiveKeyFromSandboxError { message }
    }
  }
`;
const ROTATE_KEY = /* GraphQL */ `
  mutation ($id: ID!, $graceSeconds: Int) {
    rotateApiKey(id: $id, graceSeconds: $graceSeconds) {
      __typename
      ... on CreatedApiKey { key apiKey { id } }
      ... on LiveKeyFromSandboxError { message }
    }
  }
`;
const LINK = /* GraphQL */ `{ link { workflowSessionId response { status } } }`;
const SAVE = /* GraphQL */ `
  mutation ($answers: [AnswerInput!]!) { saveAnswers(answers: $answers) { __typename } }
`;
const SUBMIT = /* GraphQL */ `mutation { submitResponse { __typename ... on Response { status } } }`;
const SET_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!, $settings: WorkspaceSettingsInput!) {
    updateWorkspace(id: $id, settings: $settings) { __typename }
  }
`;
const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($url: String!, $events: [String!]!) {
    createWebhookEndpoint(url: $url, events: $events) {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { id } }
    }
  }
`;
const ROTATE_WEBHOOK_SECRET = /* GraphQL */ `
  mutation ($endpointId: ID!) {
    rotateWebhookSecret(endpointId: $endpointId, overlapSeconds: 3600) {
      __typename
      ... on WebhookEndpointWithSecret { secret }
    }
  }
`;
const INVITE = /* GraphQL */ `
  mutation ($workflowId: ID, $inviteeEmail: String) {
    createSession(workflowId: $workflowId, inviteeEmail: $inviteeEmail) { __typename ... on Session { id } }
  }
`;
const RESEND_INVITATION = /* GraphQL */ `
  mutation ($sessionId: ID!) { resendSessionInvitation(sessionId: $sessionId) { __typename } }
`;
const CREATE_VERIFICATION_LINK = /* GraphQL */ `
  mutation ($sessionId: ID!) {
    createVerificationLink(sessionId: $sessionId) { __typename ... on CreatedVerificationLink { token url } }
  }
`;

/** The link token (`fgl_…` magic link, `fgv_…` verification link) of a link URL. */
function linkTokenOf(url: string): string {
  const token = /(fgl_|fgv_)[A-Za-z0-9_-]+/.exec(decodeURIComponent(url))?.[0];
  if (!token) throw new Error(`no link token in ${url}`);
  return token;
}

/**
 * Sends to the test's SMTP server when the address is `@smtp.example`, else keeps the message in the
 * outbox table (the default without `SMTP_URL`), and notes every magic link it is handed: the test must
 * know every token that was issued to look for it.
 */
class RecordingRouter implements EmailSender {
  readonly name = "router";
  readonly links: string[] = [];
  smtp: EmailSender;
  outbox: EmailSender;
  constructor(smtp: EmailSender, outbox: EmailSender) {
    this.smtp = smtp;
    this.outbox = outbox;
  }
  async send(message: EmailMessage): Promise<void> {
    if (message.linkUrl) this.links.push(message.linkUrl);
    await (message.to.endsWith("@smtp.example") ? this.smtp : this.outbox).send(message);
  }
}

/** A workspace workflow of one echo task, for the inbound triggers. */
const echoGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "echo" },
    { id: "echo", type: "task", handler: { type: "echo" }, routes: { success: "done" } },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

const CREATE_INBOUND_TRIGGER = /* GraphQL */ `
  mutation ($workflowId: ID!, $auth: InboundTriggerAuth!) {
    createInboundTrigger(workflowId: $workflowId, auth: $auth) {
      ... on InboundTriggerWithSecret { url secret }
    }
  }
`;

/**
 * A full scenario — keys created and rotated (and a sandbox key refused a live one), runs, a webhook
 * endpoint created and its secret rotated with deliveries to a receiver, session invitations emailed and a
 * one-time verification link opened, sends to SMTP and to the outbox (a live one refused there), failed
 * emails, magic links opened and answered, prefill sends — with every log line captured at `trace`. Then
 * every log line and every column of every table is scanned for every secret that was issued: API keys,
 * magic-link and verification-link tokens, webhook signing secrets and inbound trigger secrets (signing
 * secret and bearer token). There must be none.
 */
describe.each(testBackends())("no secret in logs or database (%s)", (backend) => {
  let h: Harness;
  let smtp: TestSmtpServer;
  let router: RecordingRouter;
  let receiver: WebhookReceiver;
  const lines: string[] = [];

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    receiver = await startReceiver();
    const logger = createLogger("trace", { write: (line: string) => void lines.push(line) });
    // The outbox sender is built after the harness's database exists; the router swaps it in.
    router = new RecordingRouter(new SmtpEmailSender({ url: smtp.url }), {
      name: "pending",
      send: async () => {},
    });
    h = await startHarness(backend, { email: router, logger });
    router.outbox = new OutboxEmailSender(h.database.db, {
      log: (line) => logger.info(line),
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.close();
    await receiver?.close();
  });

  it("finds 0 issued secrets in any log line or any column", async () => {
    const secrets: string[] = [
      h.acme.keys.sandbox,
      h.acme.keys.live,
      h.other.keys.sandbox,
      h.other.keys.live,
    ];
    const sandbox = h.acme.keys.sandbox;
    const live = h.acme.keys.live;

    // Keys: created, rotated, and a live one refused to a sandbox key.
    const made = (
      await h.gql(sandbox, CREATE_KEY, {
        workspaceId: h.acme.workspaceId,
        environment: "sandbox",
        name: "CI",
        scopes: ["admin", "workflows:read", "workflows:write", "sessions:write", "sessions:read"],
      })
    ).data.createApiKey;
    secrets.push(made.key);
    const rotated = (await h.gql(sandbox, ROTATE_KEY, { id: made.apiKey.id, graceSeconds: 60 })).data
      .rotateApiKey;
    secrets.push(rotated.key);
    const liveMade = (
      await h.gql(live, CREATE_KEY, {
        workspaceId: h.acme.workspaceId,
        environment: "live",
        name: "Live CI",
        scopes: ["admin"],
      })
    ).data.createApiKey;
    secrets.push(liveMade.key);
    expect(
      (
        await h.gql(sandbox, CREATE_KEY, {
          workspaceId: h.acme.workspaceId,
          environment: "live",
          name: "Escalation",
          scopes: ["admin"],
        })
      ).data.createApiKey.__typename,
    ).toBe("LiveKeyFromSandboxError");
    // Requests with bad keys (a revoked-looking, a malformed) are logged as refusals at most.
    await h.gql(`${made.key}x`, `{ viewer { keyId } }`);

    // Runs: a gated run decided through the API, with the rotated key.
    const workflow = (
      await h.gql(rotated.key, CREATE_WORKFLOW, { name: "Secrets", graph: designExampleGraph })
    ).data.createWorkflow;
    const session = (
      await h.gql(rotated.key, CREATE_SESSION, { workflowId: workflow.id, sandbox: highRiskSandbox })
    ).data.createSession;
    await h.gql(rotated.key, SUBMIT_SESSION, { sessionId: session.id });
    await eventually(
      async () =>
        (await h.gql(rotated.key, SESSION, { id: session.id })).data.session.status === "awaiting_external",
    );
    await h.gql(rotated.key, DECIDE, { sessionId: session.id, decision: "continue" });
    await eventually(
      async () => (await h.gql(rotated.key, SESSION, { id: session.id })).data.session.status === "completed",
    );

    // Webhooks: an endpoint (its signing secret shown once) and a rotation (both secrets sign during the
    // overlap), then deliveries of what follows to a real receiver.
    const allowed = await h.gql(sandbox, SET_WORKSPACE, {
      id: h.acme.workspaceId,
      settings: { allowPrivateTaskUrls: true },
    });
    expect(allowed.data.updateWorkspace.__typename).toBe("Workspace");
    const endpoint = (
      await h.gql(sandbox, CREATE_ENDPOINT, {
        url: receiver.url,
        events: ["session.created", "response.sent", "response.submitted"],
      })
    ).data.createWebhookEndpoint;
    expect(endpoint.secret).toMatch(/^whsec_/);
    const rotatedSecret = (await h.gql(sandbox, ROTATE_WEBHOOK_SECRET, { endpointId: endpoint.endpoint.id }))
      .data.rotateWebhookSecret.secret;
    expect(rotatedSecret).toMatch(/^whsec_/);
    const webhookSecrets = [endpoint.secret, rotatedSecret];
    secrets.push(...webhookSecrets);

    // Inbound triggers: a signing secret and a bearer token, each issued and used once.
    const taskWorkflow = (await h.gql(sandbox, CREATE_WORKFLOW, { name: "Inbound", graph: echoGraph })).data
      .createWorkflow;
    const inboundSecrets: string[] = [];
    for (const auth of ["SIGNATURE", "BEARER"] as const) {
      const trigger = (await h.gql(sandbox, CREATE_INBOUND_TRIGGER, { workflowId: taskWorkflow.id, auth }))
        .data.createInboundTrigger;
      expect(trigger.secret).toMatch(auth === "SIGNATURE" ? /^whsec_/ : /^fgh_/);
      secrets.push(trigger.secret);
      inboundSecrets.push(trigger.secret);
      const body = JSON.stringify({ order: "o-1" });
      const at = new Date();
      const headers: Record<string, string> =
        auth === "SIGNATURE"
          ? {
              "webhook-id": "msg_secrets_1",
              "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
              "webhook-signature": new Webhook(trigger.secret).sign("msg_secrets_1", at, body),
            }
          : { authorization: `Bearer ${trigger.secret}` };
      const hook = await fetch(
        trigger.url.replace(/^https?:\/\/[^/]+/, h.server.url.replace(/\/graphql$/, "")),
        {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
        },
      );
      expect(hook.status, auth).toBe(202);
    }

    // Sessions: invitations emailed (over SMTP and into the outbox) and a one-time link made through the
    // API; the capture page is opened with one.
    for (const inviteeEmail of ["invitee@smtp.example", "invitee@outbox.example"]) {
      const invited = (await h.gql(sandbox, INVITE, { workflowId: workflow.id, inviteeEmail })).data
        .createSession;
      expect(
        (await h.gql(sandbox, RESEND_INVITATION, { sessionId: invited.id })).data.resendSessionInvitation
          .__typename,
      ).toBe("SessionInvitationPayload");
    }
    const captureSession = (await h.gql(sandbox, INVITE, { workflowId: workflow.id })).data.createSession;
    const verificationLink = (
      await h.gql(sandbox, CREATE_VERIFICATION_LINK, { sessionId: captureSession.id })
    ).data.createVerificationLink;
    expect(verificationLink.token).toMatch(/^fgv_/);
    secrets.push(verificationLink.token);
    const capturePage = await fetch(
      verificationLink.url.replace(/^https?:\/\/[^/]+/, h.server.url.replace(/\/graphql$/, "")),
    );
    expect(capturePage.status).toBe(200);

    // Sends: sandbox and live over SMTP, sandbox into the outbox, a live one refused by the outbox, a
    // refused SMTP delivery, and a prefill response sent later.
    const questionnaireId = await createKycQuestionnaire(h, sandbox);
    const liveQuestionnaireId = await createKycQuestionnaire(h, live);
    await h.gql(live, GRANT_CREDITS, { amount: 5 });
    const smtpSend = (
      await h.gql(sandbox, SEND_WORKFLOW, {
        entity: { legalName: "Answering Ltd" },
        ddq: { questionnaireId },
        email: "answering@smtp.example",
      })
    ).data.sendWorkflow;
    expect(smtpSend.status).toBe("sent");
    expect(
      (
        await h.gql(live, SEND_WORKFLOW, {
          entity: { legalName: "Live Ltd" },
          ddq: { questionnaireId: liveQuestionnaireId },
          email: "live@smtp.example",
        })
      ).data.sendWorkflow.status,
    ).toBe("sent");
    expect(
      (
        await h.gql(sandbox, SEND_WORKFLOW, {
          entity: { legalName: "Outbox Ltd" },
          ddq: { questionnaireId },
          email: "someone@outbox.example",
        })
      ).data.sendWorkflow.status,
    ).toBe("sent");
    expect(
      (
        await h.gql(live, SEND_WORKFLOW, {
          entity: { legalName: "Live outbox Ltd" },
          ddq: { questionnaireId: liveQuestionnaireId },
          email: "someone@outbox.example",
        })
      ).data.sendWorkflow.__typename,
    ).toBe("EmailDeliveryError");
    smtp.failNext(1);
    expect(
      (
        await h.gql(sandbox, SEND_WORKFLOW, {
          entity: { legalName: "Refused Ltd" },
          ddq: { questionnaireId },
          email: "refused@smtp.example",
        })
      ).data.sendWorkflow.__typename,
    ).toBe("EmailDeliveryError");
    const prefill = (
      await h.gql(sandbox, SEND_WORKFLOW, {
        entity: { legalName: "Prefill Ltd", email: "prefill@smtp.example" },
        ddq: { questionnaireId, prefill: true },
      })
    ).data.sendWorkflow;
    await h.gql(sandbox, SAVE_RESPONSE, { responseId: prefill.responseId, answers: kycAnswers.slice(0, 2) });
    expect(
      (await h.gql(sandbox, SEND_RESPONSE, { responseId: prefill.responseId })).data.sendResponse.status,
    ).toBe("sent");

    // The recipient opens the link (page and API), answers and submits; a wrong token is refused.
    const { token } = smtp.only("answering@smtp.example");
    expect(token).toMatch(/^fgl_/);
    const page = await fetch(`${h.server.url.replace(/\/graphql$/, "")}/recipient?token=${token}`);
    expect(page.status).toBe(200);
    expect((await recipientGql(h, token, LINK)).data.link.workflowSessionId).toBe(smtpSend.workflowSessionId);
    await recipientGql(h, token, SAVE, { answers: kycAnswers });
    expect((await recipientGql(h, token, SUBMIT)).data.submitResponse.status).toBe("SUBMITTED");
    await recipientGql(h, `${token}x`, LINK);

    // Every token issued, delivered or not: magic links and emailed verification links.
    const tokens = router.links.map(linkTokenOf);
    expect(tokens.filter((t) => t.startsWith("fgl_")).length).toBeGreaterThanOrEqual(6);
    expect(tokens.filter((t) => t.startsWith("fgv_"))).toHaveLength(2);
    secrets.push(...tokens);
    for (const email of smtp.received) if (email.token) expect(tokens).toContain(email.token);
    const invitation = smtp.only("invitee@smtp.example");
    expect(tokens).toContain(linkTokenOf(invitation.text));

    // The webhooks were delivered, signed with the secrets (so the scan below looks where they were used).
    await eventually(async () => receiver.received.some((w) => w.payload.type === "response.submitted"));
    for (const request of receiver.received) {
      expect(webhookSecrets.some((secret) => verifies(secret, request))).toBe(true);
    }

    // Logs at trace level really were written, and the database has the scenario's rows.
    expect(lines.length).toBeGreaterThan(0);
    const db = h.database.db as unknown as Kysely<any>;
    const rows = await databaseSources(db, h.database.schema ?? "public");
    expect(rows.some((r) => r.where.startsWith("table email_outbox"))).toBe(true);
    expect(rows.some((r) => r.where.startsWith("table email_sends"))).toBe(true);

    const logHits = scanForSecrets(logSources(lines), secrets);
    const masked = lines.filter((line) => line.includes("[redacted]")).length;
    const dbHits = scanForSecrets(rows, secrets);
    const apiKeys = secrets.filter((secret) => secret.startsWith("fg_")).length;
    const linkTokens = secrets.filter((secret) => /^fg[lv]_/.test(secret)).length;
    console.log(
      `secret scan (${backend}): ${secrets.length} secrets issued (${apiKeys} API keys, ${linkTokens} link tokens, ` +
        `${webhookSecrets.length} webhook secrets, ${inboundSecrets.length} inbound trigger secrets); ` +
        `${lines.length} log lines at trace (${masked} with a masked value): ${logHits.length} hits; ${rows.length} column values in the database: ${dbHits.length} hits`,
    );
    expect(logHits).toEqual([]);
    expect(dbHits).toEqual([]);
    // The scanner does find what it looks for (a control, so that 0 hits means something).
    expect(
      scanForSecrets([{ where: "control", text: `x${encodeURIComponent(tokens[0]!)}y` }], secrets),
    ).toHaveLength(1);
  });
});

describe("the logger", () => {
  it("blanks secret-named fields and masks issued secrets in any text, at every level", () => {
    const written: string[] = [];
    const logger = createLogger("trace", { write: (line: string) => void written.push(line) });
    const key = "fg_live_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";
    const token = "fgl_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_zyxwv";
    const webhook = "whsec_MTIzNDU2Nzg5MDEy+/MzQ1Njc4OTAxMjM0NTY3ODkw";
    const verification = "fgv_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_ABCDE";
    logger.trace({ req: { headers: { "x-api-key": key, authorization: `Bearer ${token}` } } }, "request");
    logger.debug({ apiKey: key, nested: { token, secret: webhook } }, "fields");
    logger.info(`link http://x/recipient?token=${token} for ${key}`);
    logger.warn({ err: new Error(`refused ${encodeURIComponent(token)} and ${webhook}`) }, "error");
    logger.error({ url: "smtp://user:hunter2@smtp.example:587" }, "connect");
    logger.info({ method: "GET", path: `/verify/${verification}/documents` }, "request");
    expect(written).toHaveLength(6);
    expect(scanForSecrets(logSources(written), [key, token, webhook, verification, "hunter2"])).toEqual([]);
    expect(written.join("")).toContain("/verify/fgv_[redacted]/documents");
    expect(written.join("")).toContain("fgl_[redacted]");
    expect(written.join("")).toContain("[redacted]");
  });
});

/** GraphiQL embeds the demo key only when the gateway listens on a loopback address. */
describe("GraphiQL and the demo key", () => {
  async function graphiqlPage(host: string): Promise<{ html: string; key: string }> {
    const key = `fg_sandbox_graphiql_${host.replace(/\W/g, "_")}_${Date.now()}`;
    const dataDir = mkdtempSync(join(tmpdir(), "flowgate-graphiql-"));
    const app = buildApp(
      parseSettings({
        HOST: host,
        PORT: "0",
        FLOWGATE_SEED_API_KEY: key,
        FLOWGATE_LOG_LEVEL: "silent",
        FLOWGATE_DATA_DIR: join(dataDir, "pglite"),
      }),
    );
    const { server } = await app.start();
    try {
      const url = server!.url.replace(host === "0.0.0.0" ? "0.0.0.0" : host, "127.0.0.1");
      const response = await fetch(url, { headers: { accept: "text/html" } });
      return { html: await response.text(), key };
    } finally {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it("prefills the key on 127.0.0.1, never on 0.0.0.0", async () => {
    const loopback = await graphiqlPage("127.0.0.1");
    expect(loopback.html).toContain(loopback.key);
    const open = await graphiqlPage("0.0.0.0");
    expect(open.html).toContain("GraphiQL");
    expect(open.html).not.toContain(open.key);
  }, 180_000);
});
