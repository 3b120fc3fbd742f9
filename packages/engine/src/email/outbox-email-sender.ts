import { type Db, insertOutboxEmail } from "@flowgate/db";
import { newId } from "@flowgate/domain";
import type { EmailMessage, EmailSender } from "./email-sender.ts";

/** Settings of {@link OutboxEmailSender}. */
export interface OutboxEmailSenderOptions {
  /** Where to log one line per message kept (its id, recipient and subject; never the link). */
  log?: (line: string) => void;
  /**
   * Keep emails of the live environment too (`FLOWGATE_OUTBOX_LIVE_EMAILS`). Off by default: a live send
   * without a real transport (`SMTP_URL`) fails, so that a recipient never silently gets nothing.
   */
  keepLive?: boolean;
}

/**
 * A link token as it appears in links: a magic-link token (`fgl_…`) or a one-time verification link token
 * (`fgv_…`), masked to its prefix and last four characters.
 */
const linkToken = /(fgl_|fgv_)[A-Za-z0-9_-]{8,}/g;

/**
 * Masks every link token in `text` (`fgl_…` → `fgl_…<last 4>`, `fgv_…` likewise): the outbox and logs keep
 * which link an email carried without keeping the secret that opens it.
 */
export function maskLinkTokens(text: string): string {
  return text.replace(linkToken, (token, prefix: string) => `${prefix}…${token.slice(-4)}`);
}

/**
 * The embedded default for the sandbox: keeps each message in the `email_outbox` table instead of sending
 * it, with its magic-link token masked (the table never holds a working link), and logs one line without
 * the link. Live messages are refused unless {@link OutboxEmailSenderOptions.keepLive} (configure `SMTP_URL`
 * for real delivery). A message sent under a job key is stored once however often it is retried.
 */
export class OutboxEmailSender implements EmailSender {
  readonly name = "outbox";
  readonly #db: Db;
  readonly #log: (line: string) => void;
  readonly #keepLive: boolean;

  /**
   * @param db - Where the outbox table is.
   * @param options - Logging, and whether live messages are kept too.
   */
  constructor(db: Db, options: OutboxEmailSenderOptions = {}) {
    this.#db = db;
    this.#log = options.log ?? ((line) => console.log(line));
    this.#keepLive = options.keepLive ?? false;
  }

  async send(message: EmailMessage): Promise<void> {
    if (message.tenant.environment === "live" && !this.#keepLive) {
      throw new Error(
        "no email transport for live emails: set SMTP_URL (or FLOWGATE_OUTBOX_LIVE_EMAILS=true to keep them in the outbox table)",
      );
    }
    const stored = await insertOutboxEmail(this.#db, message.tenant, {
      id: message.key ? `eml_${message.key.replace(/^snd_/, "")}` : newId("eml"),
      workflowSessionId: message.workflowSessionId,
      to: message.to,
      subject: message.subject,
      text: maskLinkTokens(message.text),
      html: maskLinkTokens(message.html),
      linkUrl: message.linkUrl === null ? null : maskLinkTokens(message.linkUrl),
    });
    // The address and subject are personal data (they stay in the table, which a redaction reaches) and the
    // link's token is a secret: the log line carries only the message id and the masked link.
    this.#log(`[email outbox ${stored.id}]${message.linkUrl ? ` ${maskLinkTokens(message.linkUrl)}` : ""}`);
  }
}
