import type { Tenant } from "@flowgate/domain";

/** A message to deliver: a readable HTML body with a plain-text alternative. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The workspace and environment it is sent for. */
  tenant: Tenant;
  /** The recipient send whose magic link it carries, if any. */
  workflowSessionId: string | null;
  /** The magic link it carries, if any (logged by the outbox sender). */
  linkUrl: string | null;
}

/** Delivers email. `send` resolves once the message is accepted and rejects when it cannot be delivered. */
export interface EmailSender {
  /** A short name for logs and diagnostics, e.g. `smtp` or `outbox`. */
  readonly name: string;
  /** Delivers one message; throws when the transport refuses it or cannot be reached. */
  send(message: EmailMessage): Promise<void>;
  /** Releases connections. */
  close?(): Promise<void>;
}
