export {
  type AutofillProvider,
  type AutofillRequest,
  type AutofillResult,
  BuiltinAutofillProvider,
} from "./autofill-provider.ts";
export { creditBalance, creditLedger } from "./credits.service.ts";
export { type DdqDeps, recipientLinkUrl } from "./ddq-deps.ts";
export { DdqService } from "./ddq-service.ts";
export {
  authenticateLink,
  type LinkRefusal,
  LinkRefusedError,
  linkRefusalMessages,
  type RecipientView,
} from "./magic-links.service.ts";
export { signalQuestionnaireRun } from "./questionnaire-signals.ts";
export type { CreateQuestionnaireInput } from "./questionnaires.service.ts";
export type { AutofillOutcome } from "./responses.service.ts";
export type { WorkflowSendResult } from "./send-workflow.service.ts";
