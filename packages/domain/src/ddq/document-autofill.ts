import type { AutofilledAnswer } from "./autofill.ts";
import type { EntityDocumentText } from "./entity-documents.ts";
import { answerValueProblem, type Question } from "./questionnaire-definition.ts";

/** Name of the built-in provider's document extractor, recorded on its annotations. */
export const builtinDocumentProviderName = "builtin";

/** Longest passage kept on an annotation. */
const maxPassageLength = 300;

/**
 * The keys a question is looked up by in document text, with the confidence of a match: its label (1), its
 * label without a trailing question mark or parenthesis (0.9), its id and its entity field written as words
 * (0.8).
 */
function questionKeys(question: Question): { key: string; confidence: number }[] {
  const keys: { key: string; confidence: number }[] = [];
  const add = (key: string, confidence: number) => {
    const normalized = normalize(key);
    if (normalized.length >= 3 && !keys.some((k) => k.key === normalized))
      keys.push({ key: normalized, confidence });
  };
  add(question.label, 1);
  add(question.label.replace(/\([^)]*\)/g, "").replace(/[?:.]+\s*$/, ""), 0.9);
  add(question.id.replace(/_/g, " "), 0.8);
  if (question.entityField) add(question.entityField.replace(/([a-z])([A-Z])/g, "$1 $2"), 0.8);
  return keys;
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Reads an answer for `question` from document text: a `<key>: <value>` (or `<key> - <value>`) statement
 * whose key is the question's label, id or entity field, the value running to the end of its line or
 * sentence, converted to the question's type (a number, yes/no, a date written YYYY-MM-DD, an option by
 * value or label). The first document, page and passage that give a valid answer win.
 *
 * @param question - The question to answer.
 * @param documents - The entity's documents' text, oldest first.
 */
export function answerFromDocuments(
  question: Question,
  documents: readonly EntityDocumentText[],
): Omit<AutofilledAnswer, "questionId"> | null {
  if (question.type === "file_reference") return null;
  for (const { key, confidence } of questionKeys(question)) {
    const pattern = new RegExp(
      `(?:^|[\\s.;,(])${escapeRegExp(key).replace(/ /g, "\\s+")}\\s*[:\\-–]\\s*([^\\n]+)`,
      "i",
    );
    for (const document of documents) {
      for (const [index, page] of document.pages.entries()) {
        const match = pattern.exec(page);
        if (!match) continue;
        const raw = statementValue(match[1]!);
        const value = convert(question, raw);
        if (value === undefined || answerValueProblem(question, value) !== null) continue;
        const passage = match[0]
          .replace(/^[\s.;,(]/, "")
          .replace(/\s+/g, " ")
          .trim()
          .slice(0, maxPassageLength);
        return {
          value,
          source: {
            kind: "document",
            provider: builtinDocumentProviderName,
            deterministic: true,
            documentId: document.documentId,
            page: index + 1,
            passage,
            confidence,
            note: `Read from "${document.filename}", page ${index + 1}, by the built-in deterministic document extractor.`,
          },
        };
      }
    }
  }
  return null;
}

/** The value part of a statement: up to the end of the sentence (a full stop followed by a space or the end). */
function statementValue(rest: string): string {
  const end = /\.(\s|$)/.exec(rest);
  return (end ? rest.slice(0, end.index) : rest).trim();
}

function convert(question: Question, raw: string): unknown {
  if (raw === "") return undefined;
  switch (question.type) {
    case "text":
    case "long_text":
      return raw;
    case "number": {
      const number = /-?\d[\d,]*(\.\d+)?/.exec(raw)?.[0];
      return number === undefined ? undefined : Number(number.replace(/,/g, ""));
    }
    case "yes_no": {
      const word = raw.toLowerCase().split(/[\s,;]/)[0];
      if (word === "yes" || word === "true") return true;
      if (word === "no" || word === "false") return false;
      return undefined;
    }
    case "date": {
      const iso = /\d{4}-\d{2}-\d{2}/.exec(raw)?.[0];
      if (iso) return iso;
      const parsed = new Date(`${raw} UTC`);
      return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString().slice(0, 10);
    }
    case "single_choice":
      return optionOf(question, raw);
    case "multiple_choice": {
      const values = raw.split(/,|;|\band\b/).map((part) => optionOf(question, part.trim()));
      return values.every((value) => value !== undefined) ? values : undefined;
    }
    case "file_reference":
      return undefined;
  }
}

function optionOf(question: Question, raw: string): string | undefined {
  const wanted = normalize(raw);
  return question.options.find(
    (option) => normalize(option.value) === wanted || normalize(option.label) === wanted,
  )?.value;
}
