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
  /** The magic link it carries, if any (a secret: never logged; masked in the outbox). */
  linkUrl: string | null;
  /**
   * The durable job's key (`snd_…`), if it is sent by one: senders derive the Message-ID from it
   * (`<snd_…@host>`), so that a retry after a crash sends the same message, and the outbox stores it once.
   */
  key?: string | null;
}

/** The Message-ID of a message sent under a job key: `<key@domain>`, the domain taken from `from`. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? "flowgate.local";
  return `<${key}@${domain}>`;
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
