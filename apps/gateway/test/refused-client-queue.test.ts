import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RefusedClientQueue } from "../src/refused-client-queue.ts";

/**
 * A real HTTP server on 127.0.0.1 whose requests go through a {@link RefusedClientQueue}: `/refuse` is a
 * refused document (its client is held back from then on); other paths answer when the test releases
 * them, and record in which order they started.
 */
async function startServer(queue: RefusedClientQueue) {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  const server: Server = createServer((req, res) => {
    const client = RefusedClientQueue.clientOf(req);
    queue.admit(client, res, () => {
      const name = req.url?.slice(1) ?? "";
      if (name === "refuse") {
        queue.refused(client);
        res.writeHead(413).end();
        return;
      }
      started.push(name);
      pending.set(name, () => {
        res.writeHead(200).end(name);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    started,
    /** Answers the request named `name` once it has started. */
    async release(name: string) {
      while (!pending.has(name)) await new Promise((resolve) => setTimeout(resolve, 5));
      pending.get(name)?.();
      pending.delete(name);
    },
    get: (name: string, key: string) =>
      fetch(`${url}/${name}`, { headers: { "x-api-key": key } }).then(async (response) => ({
        status: response.status,
        body: await response.text(),
      })),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("clients whose documents were refused", () => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });

  it("are served one request at a time, after the other clients' requests, until their hold ends", async () => {
    let now = 1_000_000;
    const queue = new RefusedClientQueue({ holdMs: 10_000, maxWaitMs: 60_000, now: () => now });
    const server = await startServer(queue);
    close = server.close;

    // Before any refusal, a client's requests run side by side.
    const first = [server.get("a1", "key-a"), server.get("a2", "key-a")];
    await server.release("a1");
    await server.release("a2");
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200]);

    expect((await server.get("refuse", "key-a")).status).toBe(413);
    // Key B is being served: A's requests wait for it, and then go one at a time.
    const b = server.get("b1", "key-b");
    await server.release("b1").then(
      () => undefined,
      () => undefined,
    );
    const b2 = server.get("b2", "key-b");
    while (!server.started.includes("b2")) await new Promise((resolve) => setTimeout(resolve, 5));
    const held = [server.get("a3", "key-a"), server.get("a4", "key-a")];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.started).not.toContain("a3");
    const b3 = server.get("b3", "key-b"); // another client's request overtakes A's waiting ones
    while (!server.started.includes("b3")) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.release("b2");
    await server.release("b3");
    await Promise.all([b2, b3]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.started).not.toContain("a3"); // B's last request ended just now (by the test's clock)
    now += 1000; // the others have been quiet for a while
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.release("a3");
    expect(server.started.indexOf("a4")).toBe(-1); // a4 only once a3 is answered
    await server.release("a4");
    expect((await Promise.all([b, b2, b3, ...held])).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(server.started.slice(-4)).toEqual(["b2", "b3", "a3", "a4"]);

    // After the hold, side by side again.
    now += 10_001;
    const later = [server.get("a5", "key-a"), server.get("a6", "key-a")];
    while (!(server.started.includes("a5") && server.started.includes("a6")))
      await new Promise((resolve) => setTimeout(resolve, 5));
    await server.release("a5");
    await server.release("a6");
    expect((await Promise.all(later)).map((r) => r.status)).toEqual([200, 200]);
  });

  it("answer 429 RATE_LIMITED at once beyond the requests they may have waiting", async () => {
    const queue = new RefusedClientQueue({ maxWaiting: 2, maxWaitMs: 60_000 });
    const server = await startServer(queue);
    close = server.close;
    expect((await server.get("refuse", "key-a")).status).toBe(413);
    const other = server.get("b1", "key-b"); // keeps A waiting
    while (!server.started.includes("b1")) await new Promise((resolve) => setTimeout(resolve, 5));
    const waiting = [server.get("a1", "key-a"), server.get("a2", "key-a")];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await server.get("a3", "key-a");
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).errors[0].extensions.code).toBe("RATE_LIMITED");
    await server.release("b1");
    await server.release("a1");
    await server.release("a2");
    expect((await Promise.all([other, ...waiting])).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
