import type { EmailSender } from "../email/email-sender.ts";
import type { UnitOfWorkDeps } from "../unit-of-work.ts";
import type { AutofillProvider } from "./autofill-provider.ts";

/** What the questionnaire commands need besides the database: email, autofill and where links point. */
export interface DdqDeps extends UnitOfWorkDeps {
  email: EmailSender;
  autofill: AutofillProvider;
  /** Base URL of recipient links: a link is `<linkBaseUrl>/recipient?token=<token>`. */
  linkBaseUrl: string;
}

/**
 * The magic link for a token.
 *
 * @param baseUrl - {@link DdqDeps.linkBaseUrl}.
 * @param token - The link token.
 */
export function recipientLinkUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/recipient?token=${encodeURIComponent(token)}`;
}

/** The actor recorded for what a magic-link recipient does. */
export function recipientActor(workflowSessionId: string): string {
  return `recipient:${workflowSessionId}`;
}
