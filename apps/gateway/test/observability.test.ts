import { Writable } from "node:stream";
import { once, testBackends } from "@flowgate/db/testing";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect } from "vitest";
import { createLogger } from "../src/logger.ts";
import { designExampleGraph, highRiskSandbox } from "./fixtures.ts";
import { eventually, type Harness } from "./harness.ts";
import { harnessTest } from "./harness-test.ts";

const metricsToken = "metrics-token-0123456789";

const CREATE_WORKFLOW = /* GraphQL */ `
  mutation CreateKycWorkflow($name: String!, $graph: JSON!) {
    createWorkflow(name: $name, graph: $graph, isDefault: true) { ... on Workflow { id } }
  }
`;
const CREATE_SESSION = /* GraphQL */ `
  mutation CreateSession($sandbox: JSONObject, $metadata: JSONObject) {
    createSession(sandbox: $sandbox, metadata: $metadata) { ... on Session { id } }
  }
`;
const SUBMIT_SESSION = /* GraphQL */ `
  mutation SubmitSession($sessionId: ID!) {
    submitSession(sessionId: $sessionId) { ... on SubmitSessionPayload { run { id } } }
  }
`;
const SESSION_STATUS = /* GraphQL */ `
  query SessionStatus($id: ID!) { session(id: $id) { status workflowRun { id status } } }
`;
const VIEWER = /* GraphQL */ `query Viewer { viewer { apiKey { id } } }`;

/** Sandbox data that approves: a low AML risk score. */
const lowRiskSandbox = { aml: { outcome: "pass", output: { score: 10 } } };
/** A value sent as a variable that must never reach a log line. */
const variableMarker = "do-not-log-this-variable-value";

/** A pino destination that keeps the lines. */
function logCapture() {
  const lines: Record<string, any>[] = [];
  let raw = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw += String(chunk);
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream, text: () => raw };
}

/** Samples of a Prometheus text exposition, by `name{labels}` (labels sorted). */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? "").matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, name, value]) => `${name}="${value}"`)
      .sort()
      .join(",");
    samples.set(`${match[1]}{${labels}}`, Number(match[3]));
  }
  return samples;
}

/** A sample's value (0 when absent); `labels` in any order. */
function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const key = Object.entries(labels)
    .map(([label, value]) => `${label}="${value}"`)
    .sort()
    .join(",");
  return samples.get(`${name}{${key}}`) ?? 0;
}

const log = logCapture();
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider();
tracerProvider.addSpanProcessor(new SimpleSpanProcessor(spans));

/** Harnesses with a metrics token, tracing on, and their log lines captured; plus the KYC workflow. */
const test = harnessTest({
  env: { FLOWGATE_METRICS_TOKEN: metricsToken, FLOWGATE_TRACING: "true", FLOWGATE_LOG_LEVEL: "debug" },
  logger: createLogger("debug", log.stream),
  tracerProvider,
}).extend("client", async ({ harness }) => once(harness, observedClient));

/** A client of the harness with acme's sandbox key, the key's id, and the example workflow created. */
async function observedClient(h: Harness) {
  const key = h.acme.keys.sandbox;
  /** POSTs a named operation with extra headers; answers the response and its JSON. */
  async function post(
    query: string,
    variables: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(h.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key, ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { response, body: (await response.json()) as { data?: any; errors?: unknown[] } };
  }

  async function scrape(token: string | null = metricsToken) {
    const response = await fetch(new URL("/metrics", h.server.url), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      text: await response.text(),
    };
  }

  /** Creates and submits a session; answers its id and its run's id. */
  async function submit(sandbox: Record<string, unknown>, headers: Record<string, string> = {}) {
    const created = await post(CREATE_SESSION, { sandbox, metadata: { note: variableMarker } });
    const sessionId: string = created.body.data.createSession.id;
    const submitted = await post(SUBMIT_SESSION, { sessionId }, headers);
    return {
      sessionId,
      runId: submitted.body.data.submitSession.run.id as string,
      response: submitted.response,
    };
  }

  async function settled(sessionId: string, status: string) {
    return eventually(async () => {
      const { body } = await post(SESSION_STATUS, { id: sessionId });
      return body.data.session.workflowRun?.status === status ? body.data.session : null;
    });
  }

  const keyId: string = (await post(VIEWER, {})).body.data.viewer.apiKey.id;
  const created = await post(CREATE_WORKFLOW, { name: "KYC", graph: designExampleGraph });
  expect(created.body.errors).toBeUndefined();
  return { key, keyId, post, scrape, submit, settled };
}

describe.each(testBackends())("logs, metrics and traces (%s)", (backend) => {
  test.override({ backend });

  test("logs one line per request and per run transition, correlated by requestId and runId", async ({
    client,
  }) => {
    const { keyId, post, submit, settled } = client;
    const requestId = `req-observe-${backend}`;
    const { sessionId, runId, response } = await submit(lowRiskSandbox, { "x-request-id": requestId });
    expect(response.headers.get("x-request-id")).toBe(requestId);
    await settled(sessionId, "completed");
    await eventually(async () => log.lines.some((l) => l.runId === runId && l.status === "completed"));

    // The request's line: its operation, the key's id (never the key), status and duration.
    const requestLines = log.lines.filter((l) => l.msg === "request" && l.requestId === requestId);
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      level: 30,
      method: "POST",
      path: "/graphql",
      status: 200,
      operationName: "SubmitSession",
      operationType: "mutation",
      keyId,
    });
    expect(requestLines[0]?.durationMs).toEqual(expect.any(Number));

    // The run the request created carries the request's id; the worker's transitions carry the run's.
    const created = log.lines.find((l) => l.msg === "run created" && l.runId === runId);
    expect(created).toMatchObject({
      requestId,
      status: "pending",
      workflowId: expect.any(String),
    });
    const transitions = log.lines.filter((l) => l.msg === "run transition" && l.runId === runId);
    expect(transitions.map((l) => [l.event, l.status])).toEqual([
      ["run.started", "running"],
      ["run.completed", "completed"],
    ]);
    expect(transitions[1]).toMatchObject({ workflowId: created?.workflowId, finalStatus: "approved" });
    const nodes = log.lines.filter((l) => l.msg === "node completed" && l.runId === runId);
    expect(nodes.map((l) => l.node)).toEqual(["start", "document", "aml", "risk", "approved"]);

    // A request without an id gets a fresh one, echoed.
    const { response: plain } = await post(VIEWER, {});
    expect(plain.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // One that is not a plain token is replaced rather than logged.
    const { response: odd } = await post(VIEWER, {}, { "x-request-id": "bad id with spaces" });
    expect(odd.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("marks every refusal of a repeated over-limit document in the request log, cached or not", async ({
    client,
  }) => {
    const { post } = client;
    // 31 aliases (a validation-time limit, cached by document) and 2,001 tokens (a parse-time limit,
    // whose error is cached by text): each sent three times.
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `v${i}: viewer { environment }`).join(" ")} }`;
    const tokens = `{ ${"__typename ".repeat(1999)}}`;
    const sent: { requestId: string; code: string }[] = [];
    for (const [query, code] of [
      [aliases, "TOO_MANY_ALIASES"],
      [tokens, "TOO_MANY_TOKENS"],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        const requestId = `req-refused-${code}-${i}-${backend}`;
        const { body } = await post(query, {}, { "x-request-id": requestId });
        expect((body.errors as { extensions: { code: string } }[])[0]?.extensions.code).toBe(code);
        sent.push({ requestId, code });
      }
    }
    await eventually(async () => sent.every((s) => log.lines.some((l) => l.requestId === s.requestId)));
    for (const { requestId, code } of sent) {
      const line = log.lines.find((l) => l.msg === "request" && l.requestId === requestId);
      expect(line, requestId).toMatchObject({ refusedBy: code });
    }
  });

  test("never logs a key, a token, a variable or an authorization header", async ({ harness: h, client }) => {
    const { key, post, scrape } = client;
    await post(VIEWER, {}, { authorization: `Bearer ${key}` });
    await fetch(h.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: VIEWER }),
    });
    await scrape();
    const logger = createLogger("info", log.stream);
    logger.info(
      { token: "fgl_leak", headers: { "x-api-key": key }, job: { secret: "s3cret" } },
      "by mistake",
    );
    const text = log.text();
    for (const secret of [key, h.acme.keys.live, metricsToken, variableMarker, "fgl_leak", "s3cret"]) {
      expect(text).not.toContain(secret);
    }
    expect(log.lines.at(-1)).toMatchObject({
      token: "[redacted]",
      headers: "[redacted]",
      job: { secret: "[redacted]" },
    });
  });

  test("serves /metrics, behind its bearer token, with GraphQL and engine metrics that move with a scenario", async ({
    harness: h,
    client,
  }) => {
    const { scrape, submit, settled } = client;
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("wrong-token-0123456789")).status).toBe(401);
    const first = await scrape();
    expect(first.status).toBe(200);
    expect(first.type).toContain("text/plain");
    const before = parseMetrics(first.text);

    const runs = 3;
    const sessions: string[] = [];
    for (let i = 0; i < runs; i++) sessions.push((await submit(lowRiskSandbox)).sessionId);
    for (const id of sessions) await settled(id, "completed");
    const gated = await submit(highRiskSandbox);
    await settled(gated.sessionId, "paused");

    const after = parseMetrics((await scrape()).text);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    const submitLabels = { operationName: "SubmitSession", operationType: "mutation" };

    // GraphQL: every SubmitSession counted once, with its HTTP duration.
    expect(moved("graphql_envelop_request", submitLabels)).toBe(runs + 1);
    expect(moved("graphql_envelop_request_duration_count", submitLabels)).toBe(runs + 1);
    expect(
      moved("graphql_yoga_http_duration_count", {
        ...submitLabels,
        method: "POST",
        statusCode: "200",
        url: h.server.url,
      }),
    ).toBe(runs + 1);

    // Engine: four runs created, three completed, one paused at its gate.
    expect(moved("flowgate_run_transitions_total", { status: "pending" })).toBe(runs + 1);
    expect(moved("flowgate_run_transitions_total", { status: "running" })).toBe(runs + 1);
    expect(moved("flowgate_run_transitions_total", { status: "completed" })).toBe(runs);
    expect(moved("flowgate_run_transitions_total", { status: "paused" })).toBe(1);
    // Nodes: each approved run passes start, document, aml, risk (default route), approved; the gated one
    // takes risk's first condition to the gate, where it pauses (a paused node has not completed).
    expect(moved("flowgate_node_duration_seconds_count", { node_type: "start", result: "started" })).toBe(
      runs + 1,
    );
    expect(
      moved("flowgate_node_duration_seconds_count", { node_type: "conditional", result: "default" }),
    ).toBe(runs);
    expect(
      moved("flowgate_node_duration_seconds_count", { node_type: "conditional", result: "condition_0" }),
    ).toBe(1);
    expect(moved("flowgate_node_duration_seconds_count", { node_type: "policy", result: "pass" })).toBe(
      2 * (runs + 1),
    );
    expect(moved("flowgate_node_duration_seconds_count", { node_type: "terminal", result: "approved" })).toBe(
      runs,
    );
    // Steps: each completed run finished in exactly one step; the gated one parked in one.
    expect(moved("flowgate_step_duration_seconds_count", { outcome: "finished" })).toBe(runs);
    expect(moved("flowgate_step_duration_seconds_count", { outcome: "parked" })).toBe(1);
    expect(moved("flowgate_job_claim_lag_seconds_count", { kind: "run.step" })).toBeGreaterThanOrEqual(
      runs + 1,
    );
    // Gauges read on scrape: the paused run and its gate's timeout timer in the queue.
    expect(sample(after, "flowgate_runs", { status: "paused" })).toBe(1);
    expect(sample(after, "flowgate_runs", { status: "running" })).toBe(0);
    expect(sample(after, "flowgate_jobs", { kind: "run.timeout", state: "scheduled" })).toBe(1);
    expect(sample(after, "flowgate_jobs", { kind: "run.step", state: "due" })).toBe(0);
    // Node's process metrics come along.
    expect(sample(after, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    console.log(
      `[${backend}] claim lag sum ${moved("flowgate_job_claim_lag_seconds_sum", { kind: "run.step" }).toFixed(3)} s over ${moved("flowgate_job_claim_lag_seconds_count", { kind: "run.step" })} claims; finished steps took ${moved("flowgate_step_duration_seconds_sum", { outcome: "finished" }).toFixed(3)} s`,
    );
  });

  test("records an OpenTelemetry span per GraphQL operation when tracing is on", async ({ client }) => {
    const { post } = client;
    spans.reset();
    await post(VIEWER, {});
    const finished = spans.getFinishedSpans();
    const operation = finished.find((span) => span.attributes["graphql.execute.operationName"] === "Viewer");
    expect(operation).toBeDefined();
    expect(operation?.attributes["graphql.execute.operationType"]).toBe("query");
    expect(operation?.attributes["graphql.execute.variables"]).toBeUndefined();
  });
});
