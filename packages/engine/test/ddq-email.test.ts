import { listOutboxEmails } from "@flowgate/db";
import { createTestWorkspace, testBackends, withDatabase } from "@flowgate/db/testing";
import { test as baseTest, describe, expect, it } from "vitest";
import { maskLinkTokens, OutboxEmailSender, recipientLinkUrl, renderRecipientEmail } from "../src/index.ts";

const test = withDatabase(baseTest);

describe("workflow email", () => {
  it("renders the steps, the link and its expiry in text and escaped HTML", () => {
    const linkUrl = recipientLinkUrl("https://app.example/", "fgl_abc");
    expect(linkUrl).toBe("https://app.example/recipient?token=fgl_abc");
    const email = renderRecipientEmail({
      entityName: 'Acme <script>alert("x")</script>',
      steps: ["ddq", "verification"],
      questionnaireName: "Supplier & Partner DDQ",
      linkUrl,
      expiresAt: new Date("2026-02-26T12:00:00Z"),
    });
    expect(email.subject).toBe("Action required: complete your due-diligence questionnaire");
    expect(email.text).toContain(
      "  - Complete the due-diligence questionnaire: Supplier & Partner DDQ\n  - Verify your identity",
    );
    expect(email.text).toContain(`${linkUrl}\n`);
    expect(email.text).toContain("The link expires on 2026-02-26 12:00 UTC.");
    expect(email.html).toContain("Hello Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,");
    expect(email.html).toContain("Supplier &amp; Partner DDQ");
    expect(email.html).toContain(`<a href="${linkUrl}"`);
    expect(email.html).not.toContain("<script>");
    const verification = renderRecipientEmail({
      entityName: "",
      steps: ["verification"],
      questionnaireName: null,
      linkUrl,
      expiresAt: new Date(),
    });
    expect(verification.subject).toBe("Action required: verify your identity");
    expect(verification.text.startsWith("Hello,\n")).toBe(true);
  });
});

describe("link token masking", () => {
  it("masks magic-link and verification-link tokens to their prefix and last four characters", () => {
    const magic = "fgl_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg";
    const verification = "fgv_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_wxyz";
    expect(
      maskLinkTokens(`http://x/recipient?token=${magic} and http://x/verify/${verification}/documents`),
    ).toBe("http://x/recipient?token=fgl_…defg and http://x/verify/fgv_…wxyz/documents");
  });
});

describe.each(testBackends())("outbox email sender (%s)", (backend) => {
  test.override({ backend });

  test("keeps sandbox messages in the outbox of their tenant with the link token masked, never logging the link", async ({
    database: t,
  }) => {
    const ws = await createTestWorkspace(t.db, { organizationName: "o", workspaceName: "w" });
    const tenant = { workspaceId: ws.workspaceId, environment: "sandbox" as const };
    const lines: string[] = [];
    const sender = new OutboxEmailSender(t.db, { log: (line) => lines.push(line) });
    const token = "fgl_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg";
    const message = {
      to: "a@b.co",
      subject: "Hi",
      text: `open http://x/recipient?token=${token} now`,
      html: `<a href="http://x/recipient?token=${token}">open</a>`,
      tenant,
      workflowSessionId: null,
      linkUrl: `http://x/recipient?token=${token}`,
      key: "snd_01abc",
    };
    await sender.send(message);
    // A retried job stores its message once.
    await sender.send(message);
    const stored = await listOutboxEmails(t.db, tenant, { limit: 10 });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      id: "eml_01abc",
      to: "a@b.co",
      subject: "Hi",
      text: "open http://x/recipient?token=fgl_…defg now",
      html: '<a href="http://x/recipient?token=fgl_…defg">open</a>',
      linkUrl: "http://x/recipient?token=fgl_…defg",
    });
    expect(JSON.stringify(stored)).not.toContain(token);
    // No address (personal data) and no working token (a secret) in the log lines.
    expect(lines).toEqual([
      "[email outbox eml_01abc] http://x/recipient?token=fgl_…defg",
      "[email outbox eml_01abc] http://x/recipient?token=fgl_…defg",
    ]);
    expect(await listOutboxEmails(t.db, { ...tenant, environment: "live" }, { limit: 10 })).toEqual([]);
  });

  test("refuses live messages unless the operator keeps them in the outbox", async ({ database: t }) => {
    const ws = await createTestWorkspace(t.db, { organizationName: "o", workspaceName: "w2" });
    const tenant = { workspaceId: ws.workspaceId, environment: "live" as const };
    const message = {
      to: "a@b.co",
      subject: "Hi",
      text: "t",
      html: "h",
      tenant,
      workflowSessionId: null,
      linkUrl: null,
    };
    await expect(new OutboxEmailSender(t.db, { log: () => {} }).send(message)).rejects.toThrow(/SMTP_URL/);
    expect(await listOutboxEmails(t.db, tenant, { limit: 10 })).toEqual([]);
    await new OutboxEmailSender(t.db, { log: () => {}, keepLive: true }).send(message);
    expect(await listOutboxEmails(t.db, tenant, { limit: 10 })).toHaveLength(1);
  });
});
