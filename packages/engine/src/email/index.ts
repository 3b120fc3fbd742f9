export type { EmailMessage, EmailSender } from "./email-sender.ts";
export { OutboxEmailSender } from "./outbox-email-sender.ts";
export { type RecipientEmailContent, recipientLinkUrl, renderRecipientEmail } from "./recipient-email.ts";
export { SmtpEmailSender, type SmtpEmailSenderOptions } from "./smtp-email-sender.ts";
