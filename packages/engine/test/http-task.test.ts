import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseWorkflowGraph, type TaskNode } from "@flowgate/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxHttpTaskResponseBytes, runHttpTask } from "../src/tasks/http-task.ts";
import { runTask } from "../src/tasks/index.ts";

let server: Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    hits++;
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.end(body);
    };
    switch (request.url) {
      case "/array":
        return send(200, "[1,2,3]");
      case "/empty":
        response.writeHead(204);
        return response.end();
      case "/text":
        return send(200, "not json", { "content-type": "text/plain" });
      case "/redirect":
        return send(302, "", { location: "http://169.254.169.254/latest/meta-data" });
      case "/huge":
        return send(200, `{"pad":"${"x".repeat(maxHttpTaskResponseBytes)}"}`);
      default:
        return send(404, '{"error":"missing"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = { taskId: "wfr_x:t:1", runId: "wfr_x", nodeId: "t", attempt: 1, allowPrivate: true };
const http = (path: string, timeout_ms = 2000) => ({
  type: "http" as const,
  url: `${base}${path}`,
  timeout_ms,
});

describe("http task handler", () => {
  it("wraps non-object JSON, accepts an empty body and refuses non-JSON, redirects and huge bodies", async () => {
    expect(await runHttpTask(http("/array"), {}, options)).toEqual({
      outcome: "success",
      output: { value: [1, 2, 3] },
    });
    expect(await runHttpTask(http("/empty"), {}, options)).toEqual({ outcome: "success", output: {} });
    expect(await runHttpTask(http("/text"), {}, options)).toMatchObject({
      outcome: "error",
      error: expect.stringContaining("with a body that is not JSON"),
      output: { status: 200, body: "not json" },
    });
    // Redirects are never followed (the target here is the cloud metadata address).
    expect(await runHttpTask(http("/redirect"), {}, options)).toMatchObject({
      outcome: "error",
      error: expect.stringContaining("answered HTTP 302"),
    });
    expect(await runHttpTask(http("/huge"), {}, options)).toMatchObject({
      outcome: "error",
      error: `response body is larger than ${maxHttpTaskResponseBytes} bytes`,
    });
    expect(await runHttpTask(http("/nope"), {}, options)).toMatchObject({
      outcome: "error",
      output: { status: 404, body: { error: "missing" } },
    });
  });

  it("refuses non-public destinations unless allowed, checking every resolved address", async () => {
    const before = hits;
    const refuse = async (url: string, resolveHost?: (host: string) => Promise<string[]>) =>
      runHttpTask(
        { type: "http", url, timeout_ms: 2000 },
        {},
        { ...options, allowPrivate: false, resolveHost },
      );
    expect(await refuse(`${base}/array`)).toMatchObject({
      outcome: "error",
      error: expect.stringContaining("refused to call 127.0.0.1: it is a loopback address"),
    });
    expect(await refuse("http://localhost:1/")).toMatchObject({
      error: expect.stringContaining("refused to call localhost: it is a loopback address"),
    });
    expect(await refuse("http://[::ffff:10.0.0.1]/")).toMatchObject({
      error: expect.stringContaining("it is a private address"),
    });
    expect(
      await refuse("http://metadata.example/", async () => ["93.184.216.34", "169.254.169.254"]),
    ).toMatchObject({
      error: expect.stringContaining(
        "refused to call metadata.example (169.254.169.254): it is a link-local address",
      ),
    });
    expect(await refuse("http://nowhere.example/", async () => [])).toMatchObject({
      error: "nowhere.example does not resolve to any address",
    });
    expect(hits).toBe(before);
  });

  it("times out slow DNS as well as slow servers", async () => {
    // The lookup never answers: without the task's timeout this would wait until the test's own timeout.
    const result = await runHttpTask(
      { type: "http", url: "http://slow-dns.example/", timeout_ms: 100 },
      {},
      { ...options, allowPrivate: false, resolveHost: () => new Promise(() => {}) },
    );
    expect(result).toMatchObject({
      outcome: "error",
      error: expect.stringContaining("did not answer within 100 ms"),
    });
  });

  it("simulates http tasks in dry runs without calling them; template and echo run for real", async () => {
    const graph = parseWorkflowGraph({
      entry: "start",
      nodes: [
        { id: "start", type: "start", next: "call" },
        {
          id: "call",
          type: "task",
          handler: { type: "http", url: `${base}/array` },
          simulate: { outcome: "error", output: { status: 503 } },
          routes: { success: "done", error: "done" },
        },
        { id: "done", type: "terminal", outcome: "approved" },
      ],
    });
    const node = graph.nodes[1] as TaskNode;
    const ctx = { payload: {}, session: {}, outputs: {} };
    const before = hits;
    expect(await runTask(node, { ...options, input: {}, ctx, dryRun: true })).toEqual({
      outcome: "error",
      output: { status: 503 },
      error: "simulated error (dry run)",
    });
    expect(
      await runTask({ ...node, simulate: undefined }, { ...options, input: {}, ctx, dryRun: true }),
    ).toEqual({
      outcome: "success",
      output: {},
    });
    expect(hits).toBe(before);
  });
});
