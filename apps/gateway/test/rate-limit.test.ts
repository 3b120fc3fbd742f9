import { randomBytes } from "node:crypto";
import { type TestBackend, testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

/** Tight limits: 5 requests at once per key (then 1 every 10 s), 3 per address. */
const tightLimits = {
  FLOWGATE_RATE_LIMIT_PER_SECOND: "0.1",
  FLOWGATE_RATE_LIMIT_BURST: "5",
  FLOWGATE_RATE_LIMIT_ANONYMOUS_PER_SECOND: "0.1",
  FLOWGATE_RATE_LIMIT_ANONYMOUS_BURST: "3",
};

const VIEWER = "query { viewer { environment } }";

/** The stores to run on: the database on each backend, and Redis (on PGlite) when `REDIS_URL` is set. */
const cases: { backend: TestBackend; store: "database" | "redis" }[] = [
  ...testBackends().map((backend) => ({ backend, store: "database" as const })),
  ...(process.env.REDIS_URL ? [{ backend: "pglite" as const, store: "redis" as const }] : []),
];

interface Answer {
  status: number;
  headers: Headers;
  body: { errors?: { message: string; extensions?: Record<string, unknown> }[]; data?: unknown };
}

describe.each(cases)("rate limits ($store buckets, $backend)", ({ backend, store }) => {
  let h: Harness;
  let origin: string;

  beforeAll(async () => {
    h = await startHarness(backend, {
      env: {
        ...tightLimits,
        FLOWGATE_RATE_LIMIT_STORE: store,
        // Redis keys of this run's own (others may share the server).
        ...(store === "redis"
          ? {
              REDIS_URL: process.env.REDIS_URL ?? "",
              FLOWGATE_RATE_LIMIT_REDIS_PREFIX: `flowgate:test:${randomBytes(6).toString("hex")}:`,
            }
          : {}),
      },
    });
    origin = new URL(h.server.url).origin;
  });
  afterAll(() => h?.close());

  async function post(path: string, headers: Record<string, string>, query = VIEWER): Promise<Answer> {
    const response = await fetch(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Answer["body"],
    };
  }

  it("lets a key's burst through with RateLimit headers, then answers 429 RATE_LIMITED", async () => {
    const key = h.acme.keys.sandbox;
    const answers: Answer[] = [];
    for (let i = 0; i < 6; i++) answers.push(await post("/graphql", { "x-api-key": key }));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]?.headers.get("ratelimit-policy")).toBe('"api-key";q=5;w=50');
    expect(answers.slice(0, 5).map((a) => a.headers.get("ratelimit")?.match(/r=(\d+)/)?.[1])).toEqual([
      "4",
      "3",
      "2",
      "1",
      "0",
    ]);
    const refused = answers[5]!;
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit-policy")).toBe('"api-key";q=5;w=50');
    expect(refused.headers.get("ratelimit")).toMatch(/^"api-key";r=0;t=\d+$/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", policy: "api-key" });
    expect(refused.body.errors?.[0]?.message).toMatch(/Too many requests/);
    // Another key has its own bucket.
    expect((await post("/graphql", { "x-api-key": h.other.keys.sandbox })).status).toBe(200);
    // graphql-ws operations of the limited key are refused too.
    const client = h.ws(key);
    const errors = await new Promise<unknown[]>((resolve) => {
      const seen: unknown[] = [];
      client.subscribe(
        { query: VIEWER },
        {
          next: (result) => seen.push(...(result.errors ?? [])),
          error: (error) => resolve([...seen, ...(Array.isArray(error) ? error : [error])]),
          complete: () => resolve(seen),
        },
      );
    });
    expect(errors.map((e) => (e as { extensions?: { code?: string } }).extensions?.code)).toContain(
      "RATE_LIMITED",
    );
  });

  it("limits requests without a valid key by client address, wrong keys included, and recipients", async () => {
    // 127.0.0.1's bucket: three requests, whether they lack a key, guess one, or carry a link token.
    const first = await post("/graphql", {});
    expect(first.status).toBe(401);
    expect(first.headers.get("ratelimit-policy")).toBe('"address";q=3;w=30');
    const guessed = await post("/graphql", { "x-api-key": `fg_live_${randomBytes(16).toString("hex")}` });
    expect(guessed.status).toBe(401);
    const recipient = await post(
      "/recipient/graphql",
      { authorization: "Bearer fgl_unknown" },
      "query { link { __typename } }",
    );
    expect(recipient.status).toBe(401);
    for (const [path, headers] of [
      ["/graphql", {}],
      ["/graphql", { "x-api-key": `fg_live_${randomBytes(16).toString("hex")}` }],
      ["/recipient/graphql", { authorization: "Bearer fgl_unknown" }],
    ] as const) {
      const refused = await post(
        path,
        headers,
        path === "/graphql" ? VIEWER : "query { link { __typename } }",
      );
      expect(refused.status, `${path} ${JSON.stringify(headers)}`).toBe(429);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    }
    // The REST API shares the address's bucket: a request without a key, or with a guessed one, is refused.
    const guesses: Record<string, string>[] = [
      {},
      { "x-api-key": `fg_live_${randomBytes(16).toString("hex")}` },
    ];
    for (const headers of guesses) {
      const response = await fetch(`${origin}/api/v1/sessions`, { headers });
      expect(response.status).toBe(429);
      expect(response.headers.get("ratelimit-policy")).toBe('"address";q=3;w=30');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    }
    // A valid key is charged to the key, not the address.
    expect((await post("/graphql", { "x-api-key": h.other.keys.live })).status).toBe(200);
  });

  it("limits the REST API per key like GraphQL: RateLimit headers, then 429 RATE_LIMITED with Retry-After", async () => {
    const key = h.acme.keys.live;
    const answers: Response[] = [];
    for (let i = 0; i < 6; i++)
      answers.push(await fetch(`${origin}/api/v1/sessions`, { headers: { "x-api-key": key } }));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]?.headers.get("ratelimit-policy")).toBe('"api-key";q=5;w=50');
    expect(answers[4]?.headers.get("ratelimit")).toMatch(/^"api-key";r=0;t=\d+$/);
    const refused = answers[5]!;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({
      error: { code: "RATE_LIMITED", details: { policy: "api-key" } },
    });
    // GraphQL draws on the same bucket.
    expect((await post("/graphql", { "x-api-key": key })).status).toBe(429);
  });
});
