import { describe, expect, it } from "vitest";
import {
  formatDataPath,
  parseDataPath,
  parseTemplateString,
  type RoutingContext,
  renderTemplate,
  resolveDataPath,
  templateIssues,
} from "../src/index.ts";

const ctx: RoutingContext = {
  payload: {
    customer: { name: "Ada", email: "ada@example.com", tags: ["vip", "eu"] },
    amount: 1250,
    empty: null,
  },
  session: { country: "GB" },
  outputs: { enrich: { score: 87, flags: { pep: false }, list: [{ id: "a" }, { id: "b" }] } },
};

describe("data paths", () => {
  it("parses payload, session and node output paths, whole roots included", () => {
    expect(parseDataPath("payload.customer.name")).toEqual({
      ok: true,
      path: { root: "payload", keys: ["customer", "name"] },
    });
    expect(parseDataPath("payload")).toEqual({ ok: true, path: { root: "payload", keys: [] } });
    expect(parseDataPath("session.country")).toEqual({
      ok: true,
      path: { root: "session", keys: ["country"] },
    });
    expect(parseDataPath("enrich.output")).toEqual({
      ok: true,
      path: { root: "output", nodeId: "enrich", keys: [] },
    });
    expect(parseDataPath("enrich-2.output.flags.pep")).toEqual({
      ok: true,
      path: { root: "output", nodeId: "enrich-2", keys: ["flags", "pep"] },
    });
  });

  it("refuses other roots, empty segments and odd characters with a message naming the path", () => {
    for (const [text, fragment] of [
      ["enrich.score", 'must start with "payload", "session" or "<nodeId>.output"'],
      ["input.name", 'must start with "payload"'],
      ["payload..name", "is not a valid path"],
      ["payload.na me", "is not a valid path"],
      ["", "is not a valid path"],
    ] as const) {
      const parsed = parseDataPath(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message).toContain(fragment);
    }
  });

  it("resolves own properties and array indexes only", () => {
    const read = (text: string) => {
      const parsed = parseDataPath(text);
      if (!parsed.ok) throw new Error(parsed.message);
      return resolveDataPath(parsed.path, ctx);
    };
    expect(read("payload.customer.tags.1")).toBe("eu");
    expect(read("enrich.output.list.0.id")).toBe("a");
    expect(read("enrich.output")).toEqual(ctx.outputs.enrich);
    expect(read("session.country")).toBe("GB");
    expect(read("payload.customer.constructor")).toBeUndefined();
    expect(read("payload.customer.tags.length")).toBeUndefined();
    expect(read("payload.customer.tags.01")).toBeUndefined();
    expect(read("missing.output.x")).toBeUndefined();
    expect(read("payload.amount.value")).toBeUndefined();
    expect(formatDataPath({ root: "output", nodeId: "enrich", keys: ["a"] })).toBe("enrich.output.a");
  });
});

describe("template expressions", () => {
  it("keeps the JSON type of a string that is exactly one placeholder", () => {
    expect(
      renderTemplate(
        {
          name: "{{ payload.customer.name }}",
          amount: "{{payload.amount}}",
          tags: " {{ payload.customer.tags }} ",
          flags: "{{ enrich.output.flags }}",
          score: "{{ enrich.output.score }}",
          empty: "{{ payload.empty }}",
        },
        ctx,
      ),
    ).toEqual({
      name: "Ada",
      amount: 1250,
      tags: ["vip", "eu"],
      flags: { pep: false },
      score: 87,
      empty: null,
    });
  });

  it("interpolates placeholders inside text", () => {
    expect(
      renderTemplate(
        "Dear {{ payload.customer.name }}, score {{ enrich.output.score }} {{ enrich.output.flags }} [{{ payload.missing }}]",
        ctx,
      ),
    ).toBe('Dear Ada, score 87 {"pep":false} []');
    expect(renderTemplate("{{ payload.customer.name }}{{ session.country }}", ctx)).toBe("AdaGB");
  });

  it("renders literals and ?? fallbacks", () => {
    expect(
      renderTemplate(
        {
          text: '{{ "a \\"quoted\\" {{x}} \\u00e9" }}',
          single: "{{ 'it\\'s' }}",
          number: "{{ -1.5e2 }}",
          yes: "{{ true }}",
          no: "{{ false }}",
          nothing: "{{ null }}",
          fallback: '{{ payload.nickname ?? payload.customer.name ?? "anonymous" }}',
          nullFallback: "{{ payload.empty ?? 0 }}",
          lastWins: "{{ payload.missing ?? payload.empty }}",
        },
        ctx,
      ),
    ).toEqual({
      text: 'a "quoted" {{x}} é',
      single: "it's",
      number: -150,
      yes: true,
      no: false,
      nothing: null,
      fallback: "Ada",
      nullFallback: 0,
      lastWins: null,
    });
  });

  it("leaves out keys whose value is missing, uses null in arrays, and keeps other JSON as is", () => {
    expect(
      renderTemplate(
        { gone: "{{ payload.missing }}", list: ["{{ payload.missing }}", 1, { x: "{{ payload.amount }}" }] },
        ctx,
      ),
    ).toEqual({ list: [null, 1, { x: 1250 }] });
    expect(renderTemplate({ n: 3, b: true, z: null, s: "plain }} text" }, ctx)).toEqual({
      n: 3,
      b: true,
      z: null,
      s: "plain }} text",
    });
  });

  it("never executes code: anything but paths, literals and ?? is a parse error", () => {
    for (const [text, fragment] of [
      ["{{ payload.amount + 1 }}", 'unexpected "+"'],
      ["{{ constructor.constructor('x')() }}", "must start with"],
      ["{{ process.exit() }}", "must start with"],
      ["{{ `x` }}", 'unexpected "`"'],
      ["{{ payload.a ?? }}", 'ends after "??"'],
      ["{{ }}", "is empty"],
      ["{{ payload.a", 'is not closed with "}}"'],
      ["{{ 'open }}", "a string is not closed"],
      ['{{ "bad \\q" }}', 'invalid escape "\\q"'],
      ["{{ payload.a payload.b }}", 'unexpected "p"'],
      ["{{ -x }}", "does not start a number"],
    ] as const) {
      const parsed = parseTemplateString(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.message, text).toContain(fragment);
    }
  });

  it("reports issues at their path in the template, with extra path checks", () => {
    const issues = templateIssues(
      { ok: "{{ payload.a }}", bad: { deep: ["x", "{{ payload.a + 1 }}"] }, ref: "{{ later.output.x }}" },
      (path) => (path.root === "output" && path.nodeId === "later" ? "reads a later node" : null),
    );
    expect(issues).toEqual([
      { path: ["bad", "deep", 1], message: expect.stringContaining('unexpected "+"') },
      { path: ["ref"], message: "reads a later node" },
    ]);
  });
});
