import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKycQuestionnaire } from "./ddq-helpers.ts";
import { type Harness, startHarness } from "./harness.ts";
import {
  createWorkflowOverRest,
  expectError,
  originOf,
  quickGraph,
  rest,
  sessionReaches,
  submittedSession,
} from "./rest-helpers.ts";

const RUN_OF_SESSION = /* GraphQL */ `
  query ($id: ID!) {
    session(id: $id) {
      workflowRun {
        id sessionId workflowId status createdAt finalStatus graphSnapshot pausedAtNode currentNode
        nodeResults startedAt completedAt durationMs
      }
    }
  }
`;

/** The bodies a route needs to pass validation (so that tenancy, not validation, decides the answer). */
function bodyFor(method: string, path: string, ids: Record<string, string>): unknown {
  if (path.endsWith("/trigger") && path.startsWith("/api/v1/workflows/"))
    return { session_id: ids.session_id };
  if (path.endsWith("/external-decision")) return { decision: "continue" };
  if (path.endsWith("/rollout") && method === "PUT") return { entries: null };
  if (path.endsWith("/save/")) return { answers: {} };
  if (/\/tags(\/remove)?$/.test(path)) return { tag: "vip" };
  if (path.endsWith("/tags/replace")) return { tags: [] };
  if (path.endsWith("/simulate")) return { action: "expire" };
  if (method === "PATCH" && path.startsWith("/api/v1/sessions/")) return { metadata: {} };
  if (method === "PATCH") return { name: "renamed" };
  if (path.endsWith("/analytics")) return undefined;
  return method === "GET" ? undefined : {};
}

describe.each(testBackends())("REST API: tenancy, GraphQL parity, OpenAPI (%s)", (backend) => {
  let h: Harness;
  let key: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    ids.workflow_id = await createWorkflowOverRest(h, key, quickGraph);
    ids.session_id = await submittedSession(h, key, ids.workflow_id);
    await sessionReaches(h, key, ids.session_id, "completed");
    const draft = await rest(h, key, "POST", `/api/v1/workflows/${ids.workflow_id}/drafts`, {});
    expect(draft.status, JSON.stringify(draft.body)).toBe(201);
    ids.draft_id = draft.body.id;
    const questionnaireId = await createKycQuestionnaire(h, key);
    const prefill = await rest(h, key, "POST", "/api/v1/workflows/send/", {
      entity: { legal_name: "Tenant Ltd", email: "tenant@acme.example" },
      ddq: { questionnaire_id: questionnaireId, prefill: true },
    });
    ids.response_id = prefill.body.response_id;
    const checks = await rest(h, key, "GET", `/api/v1/sessions/${ids.session_id}/checks`);
    ids.check_id = checks.body.data[0].id;
    const open = await rest(h, key, "POST", "/api/v1/sessions", { workflow_id: ids.workflow_id });
    ids.link_id = (await rest(h, key, "POST", `/api/v1/sessions/${open.body.id}/links`)).body.id;
    ids.workspace_id = h.acme.workspaceId;
  });
  afterAll(async () => {
    await h?.close();
  });

  it("every route with an id, called with another workspace's key, answers 404 and changes nothing", async () => {
    const doc = (await rest(h, null, "GET", "/api/v1/openapi.json")).body;
    const otherKey = h.other.keys.sandbox;
    let checked = 0;
    for (const [template, operations] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!template.includes("{")) continue;
      for (const method of Object.keys(operations)) {
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? `missing_${name}`);
        const query = path.endsWith("/analytics") ? "?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z" : "";
        const upper = method.toUpperCase();
        const answer = await rest(h, otherKey, upper, `${path}${query}`, bodyFor(upper, path, ids));
        expect(answer.status, `${upper} ${template}: ${JSON.stringify(answer.body)}`).toBe(404);
        expectError(answer, 404, "NOT_FOUND");
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(25);
    console.log(`tenancy: ${checked} routes with ids answered 404 to another workspace's key`);
    // Nothing changed in acme: the session is still completed with its workflow.
    const session = await rest(h, key, "GET", `/api/v1/sessions/${ids.session_id}`);
    expect(session.body).toMatchObject({ status: "completed", workflow_id: ids.workflow_id });
    const workflow = await rest(h, key, "GET", `/api/v1/workflows/${ids.workflow_id}`);
    expect(workflow.body).toMatchObject({ status: "active", is_default: false });
    // Lists show none of acme's records to the other workspace.
    const list = await rest(h, otherKey, "GET", "/api/v1/sessions");
    expect(list.body.data).toEqual([]);
  });

  it("REST (Key-Inflection: camel) and GraphQL return the same workflow run object", async () => {
    const viaRest = await rest(h, key, "GET", `/api/v1/sessions/${ids.session_id}/workflow-run`, undefined, {
      "key-inflection": "camel",
    });
    const viaGraphQL = await h.gql(key, RUN_OF_SESSION, { id: ids.session_id });
    expect(viaRest.status).toBe(200);
    expect(viaGraphQL.data.session.workflowRun.id).toBe(viaRest.body.id);
    expect(viaRest.body).toEqual(viaGraphQL.data.session.workflowRun);
  });

  it("lists page with a cursor; unknown routes answer the error shape", async () => {
    for (let i = 0; i < 3; i++) await rest(h, key, "POST", "/api/v1/sessions", { reference_id: `page-${i}` });
    const first = await rest(h, key, "GET", "/api/v1/sessions?limit=2");
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    const second = await rest(
      h,
      key,
      "GET",
      `/api/v1/sessions?limit=2&starting_after=${first.body.next_cursor}`,
    );
    expect(second.body.data[0].id).not.toBe(first.body.data[1].id);
    expectError(await rest(h, key, "GET", "/api/v1/sessions?limit=1000"), 422, "VALIDATION", ["limit"]);
    expectError(await rest(h, key, "GET", "/api/v1/nothing-here"), 404, "NOT_FOUND");
  });

  it("serves the OpenAPI 3.1 document and an offline reference page (no CDN)", async () => {
    const doc = await rest(h, null, "GET", "/api/v1/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/workflows/{workflow_id}/trigger",
      "/api/v1/sessions/{session_id}/workflow-run",
      "/api/v1/sessions/{session_id}/external-decision",
      "/api/v1/workflows/send/",
      "/api/v1/responses/{response_id}/send/",
      "/api/v1/responses/{response_id}/save/",
      "/api/v1/responses/{response_id}/autofill/",
      "/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/trigger",
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    // The request schema is the zod schema that validates: seed 002's decision enum.
    const decision = doc.body.components.schemas.ExternalDecisionRequest.properties.decision;
    expect(decision.enum).toEqual(["continue", "fail", "reject"]);
    expect(doc.body.components.schemas.Error.properties.error).toBeTruthy();

    const page = await fetch(`${originOf(h)}/api/v1/reference`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    const sources = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(sources.length).toBeGreaterThan(0);
    expect(html).not.toMatch(/https?:\/\//);
    for (const src of sources) {
      expect(src.startsWith("/api/v1/reference/")).toBe(true);
      const asset = await fetch(`${originOf(h)}${src}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toContain("javascript");
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const init = await (await fetch(`${originOf(h)}/api/v1/reference/init.js`)).text();
    expect(init).toContain("/api/v1/openapi.json");
  });
});
