import { randomBytes } from "node:crypto";
import { type TestBackend, testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

/**
 * A burst large enough for the gateway to grant requests before the store answers (while at least 20 of
 * a key's 40 tokens are known left), refilling too slowly to matter within a test.
 */
const roomyLimits = {
  FLOWGATE_RATE_LIMIT_PER_SECOND: "0.01",
  FLOWGATE_RATE_LIMIT_BURST: "40",
  FLOWGATE_RATE_LIMIT_ANONYMOUS_PER_SECOND: "0.01",
  FLOWGATE_RATE_LIMIT_ANONYMOUS_BURST: "40",
};

const VIEWER = "query { viewer { environment } }";

const cases: { backend: TestBackend; store: "database" | "redis" }[] = [
  ...testBackends().map((backend) => ({ backend, store: "database" as const })),
  ...(process.env.REDIS_URL ? [{ backend: "pglite" as const, store: "redis" as const }] : []),
];

describe.each(cases)("rate limits with headroom ($store buckets, $backend)", ({ backend, store }) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(backend, {
      env: {
        ...roomyLimits,
        FLOWGATE_RATE_LIMIT_STORE: store,
        ...(store === "redis"
          ? {
              REDIS_URL: process.env.REDIS_URL ?? "",
              FLOWGATE_RATE_LIMIT_REDIS_PREFIX: `flowgate:test:${randomBytes(6).toString("hex")}:`,
            }
          : {}),
      },
    });
  });
  afterAll(() => h?.close());
  const post = (key: string) =>
    fetch(h.server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ query: VIEWER }),
    }).then(async (response) => ({
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] },
    }));

  // Redis may still be connecting (a take then fails and the request goes on unlimited, without headers):
  // wait, with a key the tests leave alone, until the store answers.
  beforeAll(async () => {
    while (!(await post(h.acme.keys.live)).headers.has("ratelimit"));
  });

  it("counts every request, granted early or not: the key's 429 comes after exactly its burst", async () => {
    const answers: Awaited<ReturnType<typeof post>>[] = [];
    for (let i = 0; i < 41; i++) answers.push(await post(h.acme.keys.sandbox));
    expect(answers.slice(0, 40).every((a) => a.status === 200)).toBe(true);
    // The remaining tokens count down one by one, whether the store had answered yet or not.
    expect(answers.slice(0, 40).map((a) => a.headers.get("ratelimit")?.match(/r=(\d+)/)?.[1])).toEqual(
      Array.from({ length: 40 }, (_, i) => String(39 - i)),
    );
    expect(answers[0]?.headers.get("ratelimit-policy")).toBe('"api-key";q=40;w=4000');
    const refused = answers[40]!;
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("ratelimit")).toMatch(/^"api-key";r=0;t=\d+$/);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: "RATE_LIMITED", policy: "api-key" });
  });

  it("lets exactly the burst through when a key's requests arrive at once", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 60 }, () => post(h.other.keys.sandbox).then((a) => a.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });
});
