export {
  deliverWebhook,
  signWebhook,
  type WebhookDeliveryOptions,
  type WebhookSignatureHeaders,
  webhookDeliveryDefaults,
} from "./deliver.ts";
export {
  noteEnabledWebhookEndpoint,
  recordResponseWebhookEvent,
  recordRunWebhookEvents,
  recordSessionWebhookEvent,
  recordWebhookEvent,
  responseWebhookData,
  runWebhookData,
  sessionWebhookData,
} from "./outbox.ts";
export { developmentSecretKeyPhrase, parseKey, SecretBox } from "./secret-box.ts";
export { WebhookWorker, type WebhookWorkerOptions } from "./webhook-worker.ts";
