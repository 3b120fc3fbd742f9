import { describe, expect, it } from "vitest";
import {
  answerChangesFromList,
  answerValueProblem,
  applyAnswerChanges,
  assertSubmittable,
  isAnswered,
  isIsoDate,
  parseQuestionnaireDefinition,
  type Question,
  type QuestionnaireDefinition,
  submissionIssues,
  ValidationError,
  visibleQuestionIds,
} from "../src/index.ts";

const definition: QuestionnaireDefinition = parseQuestionnaireDefinition({
  sections: [
    {
      id: "main",
      title: "Main",
      questions: [
        { id: "name", type: "text", label: "Name", required: true },
        { id: "regulated", type: "yes_no", label: "Regulated?", required: true },
        {
          id: "regulator",
          type: "single_choice",
          label: "Regulator",
          required: true,
          options: [
            { value: "fca", label: "FCA" },
            { value: "sec", label: "SEC" },
          ],
          visibleIf: { questionId: "regulated", operator: "equals", value: true },
        },
        {
          id: "licence",
          type: "file_reference",
          label: "Licence",
          required: true,
          visibleIf: { questionId: "regulator", operator: "answered" },
        },
        {
          id: "products",
          type: "multiple_choice",
          label: "Products",
          options: [
            { value: "a", label: "A" },
            { value: "b", label: "B" },
          ],
        },
        {
          id: "b_detail",
          type: "long_text",
          label: "About B",
          visibleIf: { questionId: "products", operator: "includes", value: "b" },
        },
        { id: "count", type: "number", label: "Count" },
        { id: "since", type: "date", label: "Since" },
      ],
    },
  ],
});

const question = (id: string): Question => definition.sections[0]!.questions.find((q) => q.id === id)!;

describe("questionnaire definitions", () => {
  it("normalizes questions: defaults for required, options, help, visibility and entity field", () => {
    expect(question("name")).toEqual({
      id: "name",
      type: "text",
      label: "Name",
      help: null,
      required: true,
      options: [],
      visibleIf: null,
      entityField: null,
    });
    expect(question("count").required).toBe(false);
  });

  it("reports every structural problem with its path under the given prefix", () => {
    try {
      parseQuestionnaireDefinition(
        {
          sections: [
            { id: "a", title: "A", questions: [{ id: "q", type: "yes_no", label: "Q" }] },
            {
              id: "a",
              title: "B",
              questions: [
                {
                  id: "q",
                  type: "multiple_choice",
                  label: "Q2",
                  options: [
                    { value: "x", label: "X" },
                    { value: "x", label: "Y" },
                  ],
                },
                {
                  id: "r",
                  type: "text",
                  label: "R",
                  visibleIf: { questionId: "q", operator: "includes", value: "z" },
                },
                {
                  id: "s",
                  type: "text",
                  label: "S",
                  visibleIf: { questionId: "r", operator: "answered", value: 1 },
                },
                {
                  id: "t",
                  type: "text",
                  label: "T",
                  visibleIf: { questionId: "s", operator: "includes", value: "x" },
                },
              ],
            },
          ],
        },
        ["input"],
      );
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path.join("."))).toEqual([
        "input.sections.1.id",
        "input.sections.1.questions.0.id",
        "input.sections.1.questions.0.options.1.value",
        // "q" resolves to the first question with that id, a yes_no one: "includes" does not fit it.
        "input.sections.1.questions.1.visibleIf.operator",
        "input.sections.1.questions.2.visibleIf.value",
        "input.sections.1.questions.3.visibleIf.operator",
      ]);
    }
  });

  it("reports shape problems in words", () => {
    try {
      parseQuestionnaireDefinition({
        sections: [{ id: "a", title: "A", questions: [{ id: "q", type: "color", label: "" }] }],
      });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([
        {
          path: ["sections", "0", "questions", "0", "type"],
          message:
            "type must be one of text, long_text, yes_no, single_choice, multiple_choice, number, date, file_reference",
        },
        { path: ["sections", "0", "questions", "0", "label"], message: "label must not be empty" },
      ]);
    }
    expect(() => parseQuestionnaireDefinition({ sections: [] })).toThrow(/Invalid questionnaire/);
  });
});

describe("answers", () => {
  it.each([
    ["name", "Acme", null],
    ["name", 1, "must be a string"],
    ["name", "x".repeat(1001), "must have at most 1000 characters"],
    ["regulated", false, null],
    ["regulated", "no", "must be true or false"],
    ["regulator", "fca", null],
    ["regulator", "ecb", '"ecb" is not an option (options: fca, sec)'],
    ["products", ["a", "b"], null],
    ["products", ["a", "a"], "must not list an option twice"],
    ["products", "a", "must be a list of option values (strings)"],
    ["count", 3.5, null],
    ["count", Number.NaN, "must be a number"],
    ["since", "2024-02-29", null],
    ["since", "2023-02-29", "must be a date written YYYY-MM-DD"],
    ["licence", "file_1", null],
    ["licence", " ", "must be a file id or URL (a string)"],
  ])("%s = %j → %s", (id, value, problem) => {
    expect(answerValueProblem(question(id), value)).toBe(problem);
  });

  it("treats null, blanks and empty lists as unanswered", () => {
    expect([null, undefined, "", "  ", []].map(isAnswered)).toEqual([false, false, false, false, false]);
    expect([0, false, "x", ["a"]].map(isAnswered)).toEqual([true, true, true, true]);
    expect(isIsoDate("2024-13-01")).toBe(false);
  });

  it("evaluates visibility in order: a hidden question hides those that depend on it", () => {
    expect([...visibleQuestionIds(definition, {})]).toEqual([
      "name",
      "regulated",
      "products",
      "count",
      "since",
    ]);
    expect(visibleQuestionIds(definition, { regulated: true, regulator: "fca" })).toContain("licence");
    // regulator is answered but hidden, so licence (which depends on it) is hidden too.
    expect(visibleQuestionIds(definition, { regulated: false, regulator: "fca" }).has("licence")).toBe(false);
    expect(visibleQuestionIds(definition, { products: ["b"] }).has("b_detail")).toBe(true);
  });

  it("merges changes, clears with null, and reports each bad change at answers.<id>", () => {
    const { answers, changed } = applyAnswerChanges(
      definition,
      { name: "Old", count: 1 },
      { name: "New", count: null },
    );
    expect(answers).toEqual({ name: "New" });
    expect(changed).toEqual(["name", "count"]);
    expect(() => applyAnswerChanges(definition, {}, { nope: 1, count: "x" })).toThrow(ValidationError);
    try {
      applyAnswerChanges(definition, {}, { nope: 1, count: "x" });
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path.join("."))).toEqual([
        "answers.nope",
        "answers.count",
      ]);
    }
  });

  it("submits only with visible required answers and without hidden ones", () => {
    expect(submissionIssues(definition, {}).map((i) => i.path[1])).toEqual(["name", "regulated"]);
    expect(submissionIssues(definition, { name: "A", regulated: true }).map((i) => i.path[1])).toEqual([
      "regulator",
    ]);
    expect(
      submissionIssues(definition, { name: "A", regulated: false, regulator: "fca" }).map((i) => i.message),
    ).toEqual(["Regulator: is hidden by its condition, so it must not be answered; clear the answer"]);
    expect(() =>
      assertSubmittable(definition, { name: "A", regulated: true, regulator: "sec", licence: "file_1" }),
    ).not.toThrow();
    expect(submissionIssues(definition, { name: "A", regulated: false, ghost: 1 })).toEqual([
      { path: ["answers", "ghost"], message: '"ghost" is not a question of this questionnaire' },
    ]);
  });

  it("turns a list of answers into changes, refusing a question listed twice", () => {
    expect(answerChangesFromList([{ questionId: "a", value: 1 }, { questionId: "b" }])).toEqual({
      a: 1,
      b: null,
    });
    expect(() =>
      answerChangesFromList([
        { questionId: "a", value: 1 },
        { questionId: "a", value: 2 },
      ]),
    ).toThrow(/Invalid answers/);
  });
});
