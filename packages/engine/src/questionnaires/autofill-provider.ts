import {
  type AutofilledAnswer,
  type AutofillHistory,
  builtinAutofillProviderName,
  type DdqResponse,
  deterministicAutofill,
  type Entity,
  type EntityDocumentText,
  type QuestionnaireDefinition,
} from "@flowgate/domain";

/** What an autofill provider is given. */
export interface AutofillRequest {
  /** The response to fill (its current answers included). */
  response: DdqResponse;
  /** Its questionnaire version. */
  definition: QuestionnaireDefinition;
  /** Its entity. */
  entity: Entity;
  /** The entity's earlier submitted responses, most recent first. */
  history: AutofillHistory[];
  /** The text of the entity's documents, page by page, oldest document first. */
  documents: EntityDocumentText[];
}

/** What an autofill provider proposes; the engine keeps only valid answers to unanswered questions. */
export interface AutofillResult {
  answers: AutofilledAnswer[];
  /** Analysis data to keep on the response (internal; cleared on send). */
  analysis?: Record<string, unknown> | null;
}

/**
 * Fills a response's answers. The built-in provider is deterministic; an AI provider (reading the entity's
 * documents, say) implements the same interface and annotates its answers with kind `ai`.
 */
export interface AutofillProvider {
  /** Recorded on every annotation, e.g. `builtin`. */
  readonly name: string;
  /** Whether the same inputs always give the same answers. */
  readonly deterministic: boolean;
  /** Proposes answers; may take time (it runs outside any transaction). */
  autofill(request: AutofillRequest): Promise<AutofillResult>;
}

/**
 * The built-in provider: copies entity fields into questions that name one (`entityField`), reads
 * `<label>: <value>` statements of the entity's documents (annotated with the document, page, matched
 * passage and a confidence), and copies answers of the same question in the entity's earlier submitted
 * responses. Deterministic, and says so in every
 * annotation; it guesses nothing.
 */
export class BuiltinAutofillProvider implements AutofillProvider {
  readonly name = builtinAutofillProviderName;
  readonly deterministic = true;

  async autofill(request: AutofillRequest): Promise<AutofillResult> {
    return {
      answers: deterministicAutofill(
        request.definition,
        request.response.answers,
        request.entity,
        request.history,
        request.documents,
      ),
      analysis: null,
    };
  }
}
