import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { buildSchema, type GraphQLSchema, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKycQuestionnaire } from "./ddq-helpers.ts";
import { type Harness, startHarness } from "./harness.ts";
import {
  createWorkflowOverRest,
  payloadGraph,
  quickGraph,
  sessionReaches,
  submittedSession,
} from "./rest-helpers.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const pages = [
  "README.md",
  ...readdirSync(`${root}docs`).flatMap((f) => (f.endsWith(".md") ? [`docs/${f}`] : [])),
];

/** The fenced blocks of `language` in a Markdown text, in order. */
function blocks(markdown: string, language: string): string[] {
  const found: string[] = [];
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\``, "gm");
  for (const match of markdown.matchAll(fence)) found.push(match[1] ?? "");
  return found;
}

const schemas: [string, GraphQLSchema][] = ["schema.graphql", "recipient-schema.graphql"].map((file) => [
  file,
  buildSchema(readFileSync(`${root}apps/gateway/${file}`, "utf8")),
]);

describe("the documentation's GraphQL examples", () => {
  const examples = pages.flatMap((page) =>
    blocks(readFileSync(`${root}${page}`, "utf8"), "graphql").map((source, i) => ({ page, i, source })),
  );

  it("there are examples to check", () => {
    expect(examples.length).toBeGreaterThan(15);
  });

  // Each block is one operation that the main schema (or, for the recipient page, its own) accepts, so
  // that pasting it into GraphiQL works once the ids are filled in.
  it.each(examples.map((e) => [`${e.page} #${e.i + 1}`, e] as const))(
    "%s is a valid operation",
    (_name, e) => {
      const document = parse(e.source);
      expect(document.definitions.filter((d) => d.kind === "OperationDefinition")).toHaveLength(1);
      const verdicts = schemas.map(([file, schema]) => ({ file, errors: validate(schema, document) }));
      const accepted = verdicts.find((v) => v.errors.length === 0);
      expect(
        accepted,
        JSON.stringify(verdicts.map((v) => ({ [v.file]: v.errors.map((x) => x.message) }))),
      ).toBeDefined();
    },
  );
});

describe("the README's walk-through, run as written", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("pglite");
  });
  afterAll(() => h?.close());

  it("creates a workflow, runs a session to its gate, decides it and reads an approved result", async () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const walkThrough = readme.slice(readme.indexOf("## A five-minute walk-through"));
    const section = walkThrough.slice(0, walkThrough.indexOf("\n## ", 5));
    const script = blocks(section, "sh").join("\n");
    expect(script).toContain("export KEY=");
    // The only lines a reader changes: where the gateway listens and the key it printed.
    const ours = script
      .replace(/^export FG=.*$/m, `export FG=${h.server.url}`)
      .replace(/^export KEY=.*$/m, `export KEY=${h.acme.keys.sandbox}`);
    const { stdout } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        "bash",
        ["-eo", "pipefail", "-c", ours],
        { cwd: root, timeout: 120_000, maxBuffer: 10_000_000 },
        (error, out, err) =>
          error
            ? reject(new Error(`${error.message}\n${out}\n${err}`))
            : resolve({ stdout: out, stderr: err }),
      );
    });
    const last = JSON.parse(stdout.slice(stdout.lastIndexOf('{\n  "data"')));
    expect(last.data.session).toMatchObject({ status: "completed", result: "approved" });
    expect(
      last.data.session.workflowRun.nodeRuns.map((n: { workflowNodeId: string }) => n.workflowNodeId),
    ).toEqual(["start", "document", "aml", "risk", "gate", "approved"]);
  });
});

describe("the README's REST requests, run as written", () => {
  let h: Harness;
  let curlHome: string;
  beforeAll(async () => {
    h = await startHarness("pglite");
    // curl reads its defaults from $CURL_HOME/.curlrc: print each status after its body, quietly.
    curlHome = mkdtempSync(`${tmpdir()}/flowgate-curlrc-`);
    writeFileSync(`${curlHome}/.curlrc`, '-sS\n-w "\\nstatus=%{http_code}\\n"\n');
  });
  afterAll(async () => {
    rmSync(curlHome, { recursive: true, force: true });
    await h?.close();
  });

  it("answers one request per seed product with the seed's status", async () => {
    const key = h.acme.keys.sandbox;
    const kyc = await createWorkflowOverRest(h, key, quickGraph, "README KYC");
    const session = await submittedSession(h, key, kyc);
    await sessionReaches(h, key, session, "completed");
    const questionnaire = await createKycQuestionnaire(h, key);
    const task = await createWorkflowOverRest(h, key, payloadGraph, "README task");

    const readme = readFileSync(`${root}README.md`, "utf8");
    const from = readme.indexOf("## The seeds' REST APIs");
    const section = readme.slice(from, readme.indexOf("\n## ", from + 5));
    const [script] = blocks(section, "sh");
    expect(script).toBeDefined();
    // What a reader fills in: where Flowgate listens, the key and the ids (the workflow ids in order).
    const workflows = [kyc, task];
    const ours = (script ?? "")
      .replaceAll("http://127.0.0.1:4000", new URL(h.server.url).origin)
      .replaceAll("fg_sandbox_…", key)
      .replaceAll("ses_…", session)
      .replaceAll("qnr_…", questionnaire)
      .replaceAll("ws_…", h.acme.workspaceId)
      .replace(/wfl_…/g, () => workflows.shift() ?? "wfl_missing");
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        "bash",
        ["-eo", "pipefail", "-c", ours],
        { cwd: root, timeout: 60_000, env: { ...process.env, CURL_HOME: curlHome } },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${out}\n${err}`)) : resolve(out)),
      );
    });
    const answers = stdout
      .trim()
      .split(/\nstatus=(\d+)\n?/)
      .reduce<{ body: string; status: number }[]>((all, part, i, parts) => {
        if (i % 2 === 0 && parts[i + 1]) all.push({ body: part, status: Number(parts[i + 1]) });
        return all;
      }, []);
    expect(
      answers.map((a) => a.status),
      stdout,
    ).toEqual([200, 201, 200]);
    expect(JSON.parse(answers[0]?.body ?? "")).toEqual({
      session_id: session,
      workflow_id: kyc,
      status: "processing",
    });
    expect(JSON.parse(answers[1]?.body ?? "")).toMatchObject({ status: "sent", entity_name: "Acme Corp" });
    expect(JSON.parse(answers[2]?.body ?? "")).toMatchObject({ workflow_id: task, trigger_payload: {} });
  });
});
