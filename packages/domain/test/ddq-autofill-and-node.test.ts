import { describe, expect, it } from "vitest";
import {
  deterministicAutofill,
  parseEntityInput,
  parseQuestionnaireDefinition,
  questionnaireNodeOutcome,
  routeQuestionnaire,
  validateGraph,
} from "../src/index.ts";

const definition = parseQuestionnaireDefinition({
  sections: [
    {
      id: "s",
      title: "S",
      questions: [
        { id: "name", type: "text", label: "Name", entityField: "displayName" },
        {
          id: "kind",
          type: "single_choice",
          label: "Kind",
          entityField: "entityType",
          options: [
            { value: "company", label: "Company" },
            { value: "individual", label: "Individual" },
          ],
        },
        {
          id: "country",
          type: "single_choice",
          label: "Country",
          entityField: "jurisdiction",
          options: [
            { value: "FR", label: "France" },
            { value: "DE", label: "Germany" },
          ],
        },
        { id: "regulated", type: "yes_no", label: "Regulated?" },
        {
          id: "regulator",
          type: "text",
          label: "Regulator",
          visibleIf: { questionId: "regulated", operator: "equals", value: true },
        },
        { id: "staff", type: "number", label: "Staff" },
      ],
    },
  ],
});

const older = parseQuestionnaireDefinition({
  sections: [
    {
      id: "old",
      title: "Old",
      questions: [
        { id: "regulated", type: "yes_no", label: "Regulated?" },
        { id: "regulator", type: "text", label: "Regulator" },
        { id: "staff", type: "text", label: "Staff (as text)" },
      ],
    },
  ],
});

describe("deterministic autofill", () => {
  const entity = parseEntityInput({ legalName: "Acme", jurisdiction: "GB" });

  it("copies entity fields that fit the question, then earlier answers of the same question and type", () => {
    const filled = deterministicAutofill(definition, {}, entity, [
      { responseId: "rsp_new", definition: older, answers: { regulated: true, staff: "12" } },
      { responseId: "rsp_old", definition: older, answers: { regulated: false, regulator: "FCA" } },
    ]);
    expect(
      filled.map((a) => [a.questionId, a.value, a.source.kind, a.source.field ?? a.source.responseId]),
    ).toEqual([
      ["name", "Acme", "entity", "displayName"],
      ["kind", "company", "entity", "entityType"],
      // GB is not an option of "country": not filled. Staff was text before, a number now: not copied.
      ["regulated", true, "response", "rsp_new"],
      ["regulator", "FCA", "response", "rsp_old"],
    ]);
    expect(filled.every((a) => a.source.provider === "builtin" && a.source.deterministic)).toBe(true);
  });

  it("never overwrites an answer and skips hidden questions", () => {
    const filled = deterministicAutofill(definition, { name: "Mine", regulated: false }, entity, [
      { responseId: "rsp_old", definition: older, answers: { regulator: "FCA" } },
    ]);
    expect(filled.map((a) => a.questionId)).toEqual(["kind"]);
  });
});

describe("questionnaire nodes", () => {
  const graph = {
    entry: "start",
    nodes: [
      { id: "start", type: "start", next: "ddq" },
      {
        id: "ddq",
        type: "questionnaire",
        questionnaire: "qnr_01abc",
        routes: { submitted: "ok", expired: "late" },
      },
      { id: "ok", type: "terminal", outcome: "approved" },
      { id: "late", type: "terminal", outcome: "needs_review" },
    ],
  };

  it("validates like any node: id format, routes that exist", () => {
    const valid = validateGraph(graph);
    expect(valid.ok).toBe(true);
    const broken = validateGraph({
      ...graph,
      nodes: graph.nodes.map((node) =>
        node.id === "ddq"
          ? { ...node, questionnaire: "ddq", routes: { submitted: "ok", expired: "nowhere" } }
          : node,
      ),
    });
    expect(broken.ok).toBe(false);
    if (!broken.ok) {
      expect(broken.issues.map((i) => i.message)).toEqual([
        'Node "ddq": questionnaire must be a questionnaire id ("qnr_…")',
      ]);
    }
    const missingRoute = validateGraph({
      ...graph,
      nodes: graph.nodes.map((node) =>
        node.id === "ddq" ? { ...node, routes: { submitted: "ok", expired: "nowhere" } } : node,
      ),
    });
    expect(missingRoute.ok ? [] : missingRoute.issues.map((i) => i.message)).toContain(
      'Node "ddq": route "expired" points to unknown node "nowhere"',
    );
  });

  it("routes on submitted and expired", () => {
    const result = validateGraph(graph);
    if (!result.ok) throw new Error("invalid");
    const node = result.graph.nodes[1]!;
    if (node.type !== "questionnaire") throw new Error("not a questionnaire node");
    expect(routeQuestionnaire(node, "submitted")).toEqual({ kind: "goto", nodeId: "ok" });
    expect(routeQuestionnaire(node, "expired")).toEqual({ kind: "goto", nodeId: "late" });
  });

  it("ends the wait on the first submitted response, or when every link expired or was revoked", () => {
    expect(questionnaireNodeOutcome([])).toBeNull();
    expect(questionnaireNodeOutcome([{ responseId: "a", status: "DRAFT", link: "active" }])).toBeNull();
    expect(
      questionnaireNodeOutcome([
        { responseId: "a", status: "DRAFT", link: "expired" },
        { responseId: "b", status: "APPROVED", link: "expired" },
      ]),
    ).toEqual({ outcome: "submitted", responseId: "b" });
    expect(
      questionnaireNodeOutcome([
        { responseId: "a", status: "DRAFT", link: "expired" },
        { responseId: "b", status: "DRAFT", link: "revoked" },
      ]),
    ).toEqual({ outcome: "expired", responseId: "b" });
    expect(
      questionnaireNodeOutcome([
        { responseId: "a", status: "DRAFT", link: "expired" },
        { responseId: "b", status: "PREFILL", link: null },
      ]),
    ).toBeNull();
  });
});
