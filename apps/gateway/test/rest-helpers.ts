import { expect } from "vitest";
import { eventually, type Harness } from "./harness.ts";

/** A REST answer as a client sees it. */
export interface RestAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** The gateway's origin (`http://127.0.0.1:<port>`). */
export function originOf(h: Harness): string {
  return h.server.url.replace(/\/graphql$/, "");
}

/** Calls the REST API with `X-API-Key: key` (or none) and a JSON body. */
export async function rest<T = any>(
  h: Harness,
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RestAnswer<T>> {
  const response = await fetch(`${originOf(h)}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(key ? { "x-api-key": key } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** A request parsed from a seed's curl example. */
export interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * Parses a curl command as the seeds print it (`$curl …` / `> …` prompts, `\` continuations, `-X`,
 * `--request`, `--url`, `-H`/`--header`, `-d`/`--data`), so the test sends it as written.
 */
export function parseCurl(text: string): CurlRequest {
  const joined = text
    .split("\n")
    .map((line) => line.replace(/^\s*[$>]\s?/, ""))
    .join("\n")
    .replace(/\\\n/g, " ");
  const tokens: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(joined); m; m = re.exec(joined)) tokens.push(m[1] ?? m[2] ?? m[3] ?? "");
  if (tokens[0] !== "curl") throw new Error(`not a curl command: ${tokens[0]}`);
  const request: CurlRequest = { method: "GET", url: "", headers: {}, body: undefined };
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i] ?? "";
    const next = () => tokens[++i] ?? "";
    if (token === "-X" || token === "--request") request.method = next();
    else if (token === "--url") request.url = next();
    else if (token === "-H" || token === "--header") {
      const header = next();
      const colon = header.indexOf(":");
      request.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (token === "-d" || token === "--data") {
      request.body = next();
      if (request.method === "GET") request.method = "POST";
    } else if (!token.startsWith("-")) request.url = token;
  }
  return request;
}

/**
 * Sends a seed's curl as written, with its host replaced by the gateway's and the given strings (ids,
 * `<apiKey>`) replaced in the URL, headers and body.
 */
export async function sendCurl(
  h: Harness,
  curl: string,
  replacements: Record<string, string>,
): Promise<RestAnswer> {
  const request = parseCurl(curl);
  const swap = (value: string) =>
    Object.entries(replacements).reduce((out, [from, to]) => out.split(from).join(to), value);
  const url = new URL(swap(request.url));
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, swap(v)]));
  const path = `${url.pathname}${url.search}`;
  const response = await fetch(`${originOf(h)}${path}`, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: swap(request.body) } : {}),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Expects `value` to have exactly the keys of `example` (a seed's response example). */
export function expectSameKeys(value: unknown, example: Record<string, unknown>): void {
  expect(Object.keys(value as object).sort()).toEqual(Object.keys(example).sort());
}

/** Expects the one REST error shape with `code` (and the offending fields, when given). */
export function expectError(answer: RestAnswer, status: number, code: string, fields?: string[]): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(Object.keys(answer.body)).toEqual(["error"]);
  expect(answer.body.error.code).toBe(code);
  expect(typeof answer.body.error.message).toBe("string");
  expect(Array.isArray(answer.body.error.fields)).toBe(true);
  if (fields) {
    for (const field of fields) {
      expect(answer.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
  }
}

/** Polls a session over REST until its status is `status`. */
export async function sessionReaches(h: Harness, key: string, id: string, status: string): Promise<void> {
  await eventually(async () => {
    const answer = await rest(h, key, "GET", `/api/v1/sessions/${id}`);
    return answer.body.status === status;
  }, 15_000);
}

/** start → document → approved/rejected: a sandbox session completes on its own. */
export const quickGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    { id: "document", type: "policy", policy: "document", routes: { pass: "approved", fail: "rejected" } },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

/** start → document → external gate → approved: a session waits at the gate (`awaiting_external`). */
export const gateGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    { id: "document", type: "policy", policy: "document", routes: { pass: "gate", fail: "rejected" } },
    { id: "gate", type: "wait", on_continue: "approved", on_fail: { action: "reject" } },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

/** start → done: a task workflow without tasks (seed 004's trigger needs only a workflow). */
export const payloadGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "done" },
    { id: "done", type: "terminal", outcome: "approved" },
  ],
};

/** Creates a workflow over REST and returns its id. */
export async function createWorkflowOverRest(
  h: Harness,
  key: string,
  graph: unknown,
  name = "REST",
): Promise<string> {
  const created = await rest(h, key, "POST", "/api/v1/workflows", {
    name: `${name} ${Math.random()}`,
    graph,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}

/** Creates and submits a session over REST; returns its id. */
export async function submittedSession(h: Harness, key: string, workflowId: string): Promise<string> {
  const session = await rest(h, key, "POST", "/api/v1/sessions", { workflow_id: workflowId });
  expect(session.status, JSON.stringify(session.body)).toBe(201);
  const submitted = await rest(h, key, "POST", `/api/v1/sessions/${session.body.id}/submit`);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
  return session.body.id;
}
