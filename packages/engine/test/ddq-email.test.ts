import { listOutboxEmails } from "@flowgate/db";
import { createTestWorkspace, testBackends, withDatabase } from "@flowgate/db/testing";
import { test as baseTest, describe, expect, it } from "vitest";
import { OutboxEmailSender, recipientLinkUrl, renderRecipientEmail } from "../src/index.ts";

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

describe.each(testBackends())("outbox email sender (%s)", (backend) => {
  test.override({ backend });

  test("keeps the message in the outbox of its tenant and logs the link", async ({ database: t }) => {
    const ws = await createTestWorkspace(t.db, { organizationName: "o", workspaceName: "w" });
    const tenant = { workspaceId: ws.workspaceId, environment: "sandbox" as const };
    const lines: string[] = [];
    const sender = new OutboxEmailSender(t.db, (line) => lines.push(line));
    await sender.send({
      to: "a@b.co",
      subject: "Hi",
      text: "text",
      html: "<p>html</p>",
      tenant,
      workflowSessionId: null,
      linkUrl: "http://x/recipient?token=fgl_1",
    });
    const [stored] = await listOutboxEmails(t.db, tenant, { limit: 10 });
    expect(stored).toMatchObject({
      to: "a@b.co",
      subject: "Hi",
      text: "text",
      html: "<p>html</p>",
      linkUrl: "http://x/recipient?token=fgl_1",
    });
    expect(lines).toEqual([`[email outbox ${stored!.id}] http://x/recipient?token=fgl_1`]);
    expect(await listOutboxEmails(t.db, { ...tenant, environment: "live" }, { limit: 10 })).toEqual([]);
  });
});
