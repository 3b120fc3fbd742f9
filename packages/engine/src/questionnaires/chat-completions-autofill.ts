import {
  type AutofilledAnswer,
  allQuestions,
  answerValueProblem,
  findQuestion,
  isAnswered,
  visibleQuestionIds,
} from "@flowgate/domain";
import { OutboundError, outboundRequest } from "../outbound/index.ts";
import type { AutofillProvider, AutofillRequest, AutofillResult } from "./autofill-provider.ts";

/** Settings of {@link ChatCompletionsAutofillProvider}. */
export interface ChatCompletionsAutofillOptions {
  /** The chat-completions endpoint, e.g. `https://api.openai.com/v1/chat/completions`. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set; never logged nor stored. */
  apiKey?: string | undefined;
  /** Bound on the whole call (default 60 s). */
  timeoutMs?: number;
  /** Whether the endpoint may be on a private address (a model served in the same network; tests). */
  allowPrivate?: boolean;
  /** Largest text of one document sent, in characters (default 50 000; the rest is cut). */
  maxDocumentChars?: number;
}

/** The provider could not give answers: the endpoint failed, or its answer was not the JSON asked for. */
export class AutofillProviderError extends Error {
  override readonly name = "AutofillProviderError";
}

const systemPrompt = [
  "You fill due-diligence questionnaires from the documents of the company or person they are about.",
  "Answer only what a document states. Never guess.",
  'Reply with one JSON object: {"answers": [{"questionId": string, "value": <answer>, "documentId": string,',
  '"page": number, "passage": string, "confidence": number}]}.',
  "value must fit the question type: text/long_text a string, number a number, yes_no true or false,",
  "date a string YYYY-MM-DD, single_choice one option value, multiple_choice a list of option values.",
  "passage is the exact sentence of the document the answer comes from; page is 1-based;",
  "confidence is from 0 to 1. Leave out questions the documents do not answer.",
].join(" ");

/**
 * An autofill provider for any OpenAI-compatible chat-completions endpoint: it sends the unanswered
 * questions (id, type, label, options) and the entity's document text page by page, asks for a JSON object
 * (`response_format: json_object`, temperature 0), and keeps only answers that name an unanswered, visible
 * question and fit its type. Each kept answer is annotated with kind `ai`, the document, page, passage and
 * the model's confidence. The call goes through the guarded outbound dispatcher. Any failure — an error
 * status, a timeout, a reply that is not the JSON asked for — is an {@link AutofillProviderError}, and the
 * caller leaves the response unchanged.
 */
export class ChatCompletionsAutofillProvider implements AutofillProvider {
  readonly name: string;
  readonly deterministic = false;
  readonly #options: ChatCompletionsAutofillOptions;

  constructor(options: ChatCompletionsAutofillOptions) {
    this.#options = options;
    this.name = `chat-completions:${options.model}`;
  }

  async autofill(request: AutofillRequest): Promise<AutofillResult> {
    const visible = visibleQuestionIds(request.definition, request.response.answers);
    const questions = allQuestions(request.definition)
      .filter(
        (q) =>
          visible.has(q.id) && !isAnswered(request.response.answers[q.id]) && q.type !== "file_reference",
      )
      .map((q) => ({
        id: q.id,
        type: q.type,
        label: q.label,
        ...(q.options.length > 0
          ? { options: q.options.map((o) => ({ value: o.value, label: o.label })) }
          : {}),
      }));
    if (questions.length === 0 || request.documents.length === 0) return { answers: [], analysis: null };
    const maxChars = this.#options.maxDocumentChars ?? 50_000;
    const documents = request.documents.map((document) => {
      let budget = maxChars;
      return {
        id: document.documentId,
        filename: document.filename,
        pages: document.pages.map((text, index) => {
          const kept = text.slice(0, Math.max(0, budget));
          budget -= kept.length;
          return { page: index + 1, text: kept };
        }),
      };
    });
    const content = await this.#complete(JSON.stringify({ questions, documents }));
    return { answers: this.#answers(content, request), analysis: null };
  }

  async #complete(userContent: string): Promise<string> {
    let response: Awaited<ReturnType<typeof outboundRequest>>;
    try {
      response = await outboundRequest({
        url: this.#options.url,
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.#options.apiKey ? { authorization: `Bearer ${this.#options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.#options.model,
          temperature: 0,
          response_format: { type: "json_object" },
          messages: [
            { role: "system", content: systemPrompt },
            { role: "user", content: userContent },
          ],
        }),
        timeoutMs: this.#options.timeoutMs ?? 60_000,
        allowPrivate: this.#options.allowPrivate ?? false,
      });
    } catch (error) {
      throw new AutofillProviderError(
        `The autofill endpoint could not be called: ${error instanceof OutboundError ? error.message : String(error)}`,
      );
    }
    if (response.status < 200 || response.status >= 300) {
      throw new AutofillProviderError(`The autofill endpoint answered HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      throw new AutofillProviderError("The autofill endpoint's answer is not JSON");
    }
    const content = (body as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message
      ?.content;
    if (typeof content !== "string") {
      throw new AutofillProviderError("The autofill endpoint's answer has no choices[0].message.content");
    }
    return content;
  }

  #answers(content: string, request: AutofillRequest): AutofilledAnswer[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch {
      throw new AutofillProviderError("The model's reply is not valid JSON");
    }
    const list = (parsed as { answers?: unknown }).answers;
    if (!Array.isArray(list)) throw new AutofillProviderError('The model\'s reply has no "answers" list');
    const documentIds = new Set(request.documents.map((d) => d.documentId));
    const answers: AutofilledAnswer[] = [];
    for (const item of list as Record<string, unknown>[]) {
      if (typeof item !== "object" || item === null || typeof item.questionId !== "string") continue;
      const question = findQuestion(request.definition, item.questionId);
      if (!question || isAnswered(request.response.answers[question.id])) continue;
      if (answers.some((a) => a.questionId === question.id)) continue;
      if (answerValueProblem(question, item.value) !== null) continue;
      const documentId =
        typeof item.documentId === "string" && documentIds.has(item.documentId) ? item.documentId : null;
      const document = request.documents.find((d) => d.documentId === documentId);
      const page =
        document &&
        typeof item.page === "number" &&
        Number.isInteger(item.page) &&
        item.page >= 1 &&
        item.page <= document.pages.length
          ? item.page
          : null;
      const confidence =
        typeof item.confidence === "number" && Number.isFinite(item.confidence)
          ? Math.min(1, Math.max(0, item.confidence))
          : null;
      answers.push({
        questionId: question.id,
        value: item.value,
        source: {
          kind: "ai",
          provider: this.name,
          deterministic: false,
          ...(documentId ? { documentId } : {}),
          ...(page !== null ? { page } : {}),
          ...(typeof item.passage === "string" ? { passage: item.passage.slice(0, 300) } : {}),
          ...(confidence !== null ? { confidence } : {}),
          note: `Proposed by ${this.name}${document ? ` from "${document.filename}"` : ""}; check it before sending.`,
        },
      });
    }
    return answers;
  }
}
