export { type EmailMessage, type EmailSender, messageIdFor } from "./email-sender.ts";
export { maskLinkTokens, OutboxEmailSender, type OutboxEmailSenderOptions } from "./outbox-email-sender.ts";
export { type RecipientEmailContent, recipientLinkUrl, renderRecipientEmail } from "./recipient-email.ts";
export { SmtpEmailSender, type SmtpEmailSenderOptions } from "./smtp-email-sender.ts";
