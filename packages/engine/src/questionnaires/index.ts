export {
  type AutofillProvider,
  type AutofillRequest,
  type AutofillResult,
  BuiltinAutofillProvider,
} from "./autofill-provider.ts";
export { signalQuestionnaireRun } from "./questionnaire-signals.ts";
