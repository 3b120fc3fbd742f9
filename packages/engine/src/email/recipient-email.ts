import type { RecipientStep } from "@flowgate/domain";

/** What a recipient email says. */
export interface RecipientEmailContent {
  /** The recipient's display name. */
  entityName: string;
  /** The steps the link leads to. */
  steps: readonly RecipientStep[];
  /** The name of the questionnaire, when a DDQ is included. */
  questionnaireName: string | null;
  /** The magic link. */
  linkUrl: string;
  /** When the link stops working. */
  expiresAt: Date;
}

const stepLabels: Record<RecipientStep, string> = {
  ddq: "Complete the due-diligence questionnaire",
  verification: "Verify your identity",
};

/**
 * Renders the magic-link email: a subject, a plain-text body and an HTML body, each with the steps, the
 * link and when it expires (UTC).
 *
 * @param content - What to say.
 */
export function renderRecipientEmail(content: RecipientEmailContent): {
  subject: string;
  text: string;
  html: string;
} {
  const expires = formatUtc(content.expiresAt);
  const steps = content.steps.map((step) =>
    step === "ddq" && content.questionnaireName
      ? `${stepLabels.ddq}: ${content.questionnaireName}`
      : stepLabels[step],
  );
  const subject =
    content.steps.length === 1 && content.steps[0] === "verification"
      ? "Action required: verify your identity"
      : "Action required: complete your due-diligence questionnaire";
  const greeting = content.entityName ? `Hello ${content.entityName},` : "Hello,";
  const text = [
    greeting,
    "",
    "You have been asked to:",
    ...steps.map((step) => `  - ${step}`),
    "",
    "Open this secure link to start:",
    content.linkUrl,
    "",
    `The link expires on ${expires}. It is personal: please do not forward it.`,
    "",
    "If you were not expecting this message, you can ignore it.",
  ].join("\n");
  const html = `<!doctype html>
<html lang="en">
<body style="font-family: -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif; color: #1f2933; line-height: 1.5;">
  <p>${escapeHtml(greeting)}</p>
  <p>You have been asked to:</p>
  <ul>
${steps.map((step) => `    <li>${escapeHtml(step)}</li>`).join("\n")}
  </ul>
  <p><a href="${escapeHtml(content.linkUrl)}" style="display: inline-block; padding: 10px 18px; background: #2f5bea; color: #ffffff; border-radius: 6px; text-decoration: none;">Start now</a></p>
  <p style="font-size: 14px;">Or copy this link into your browser:<br><a href="${escapeHtml(content.linkUrl)}">${escapeHtml(content.linkUrl)}</a></p>
  <p style="font-size: 14px;">The link expires on <strong>${escapeHtml(expires)}</strong>. It is personal: please do not forward it.</p>
  <p style="font-size: 12px; color: #6b7785;">If you were not expecting this message, you can ignore it.</p>
</body>
</html>
`;
  return { subject, text, html };
}

/**
 * The magic link of a recipient send: `<baseUrl>/recipient?token=<token>`.
 *
 * @param baseUrl - Public base URL of the gateway (`FLOWGATE_PUBLIC_URL`).
 * @param token - The link token.
 */
export function recipientLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/recipient?token=${encodeURIComponent(token)}`;
}

/** `2026-02-26 12:00 UTC`. */
function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
