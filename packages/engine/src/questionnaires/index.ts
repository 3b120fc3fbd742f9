export {
  type AutofillProvider,
  type AutofillRequest,
  type AutofillResult,
  BuiltinAutofillProvider,
} from "./autofill-provider.ts";
export {
  AutofillProviderError,
  type ChatCompletionsAutofillOptions,
  ChatCompletionsAutofillProvider,
} from "./chat-completions-autofill.ts";
export { signalQuestionnaireRun } from "./questionnaire-signals.ts";
