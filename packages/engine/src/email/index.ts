export type { EmailMessage, EmailSender } from "./email-sender.ts";
export { OutboxEmailSender } from "./outbox-email-sender.ts";
export { SmtpEmailSender, type SmtpEmailSenderOptions } from "./smtp-email-sender.ts";
export { renderWorkflowEmail, type WorkflowEmailContent } from "./workflow-email.ts";
