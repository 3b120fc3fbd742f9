import type { Transporter } from "nodemailer";
import { nodemailer } from "../on-demand-modules.ts";
import { type EmailMessage, type EmailSender, messageIdFor } from "./email-sender.ts";

/** Settings of {@link SmtpEmailSender}. */
export interface SmtpEmailSenderOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` (the `SMTP_URL` setting). */
  url: string;
  /** The From header (default `Flowgate <no-reply@flowgate.local>`). */
  from?: string;
  /** How long to wait for the server to connect and greet, in ms (default 10,000). */
  connectionTimeoutMs?: number;
}

/** Sends email over SMTP with nodemailer; a refused recipient or an unreachable server rejects `send`. */
export class SmtpEmailSender implements EmailSender {
  readonly name = "smtp";
  readonly #transport: Transporter;
  readonly #from: string;

  /** @param options - The server URL and sender address. */
  constructor(options: SmtpEmailSenderOptions) {
    const timeout = options.connectionTimeoutMs ?? 10_000;
    this.#transport = nodemailer().createTransport({
      url: options.url,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: 30_000,
    });
    this.#from = options.from ?? "Flowgate <no-reply@flowgate.local>";
  }

  async send(message: EmailMessage): Promise<void> {
    await this.#transport.sendMail({
      from: this.#from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      ...(message.key ? { messageId: messageIdFor(message.key, this.#from) } : {}),
    });
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}
