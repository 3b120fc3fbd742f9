import { type Db, insertOutboxEmail } from "@flowgate/db";
import { newId } from "@flowgate/domain";
import type { EmailMessage, EmailSender } from "./email-sender.ts";

/**
 * The embedded default: keeps every message in the `email_outbox` table instead of sending it, and logs
 * the magic link so that `pnpm start` works with nothing else installed.
 */
export class OutboxEmailSender implements EmailSender {
  readonly name = "outbox";
  readonly #db: Db;
  readonly #log: (line: string) => void;

  /**
   * @param db - Where the outbox table is.
   * @param log - Where to log each message's link (default: stdout).
   */
  constructor(db: Db, log: (line: string) => void = (line) => console.log(line)) {
    this.#db = db;
    this.#log = log;
  }

  async send(message: EmailMessage): Promise<void> {
    const stored = await insertOutboxEmail(this.#db, message.tenant, {
      id: newId("eml"),
      workflowSessionId: message.workflowSessionId,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      linkUrl: message.linkUrl,
    });
    // The address and subject are personal data (they stay in the table, which a redaction reaches); the
    // log line carries only the message id and its link.
    this.#log(`[email outbox ${stored.id}]${message.linkUrl ? ` ${message.linkUrl}` : ""}`);
  }
}
