/**
 * A hostile client, run as a child process by hostile-tenant.test.ts (`fork`, with `URL` and `KEY` in its
 * environment): `LOOPS` loops (default 4) each POST hostile GraphQL documents with the key, one after
 * another as fast as the gateway answers, while the parent says `attack`; `pause` stops them after their
 * current request; `report` answers the refusals seen so far (count by status and code, and their
 * latencies in ms, for the test's report). Each request's id (`x-request-id`) starts with `hostile-a-`, so
 * that the gateway's request log tells its answers from other clients'. Only node:http, so that it runs
 * without the workspace's packages.
 */
import { Agent, request } from "node:http";

const url = process.env.URL ?? "";
const key = process.env.KEY ?? "";
const fill = 500 * 1024;

/** `n` aliases of a page of workflows, or as many as fit in `bytes`. */
function aliasBomb(limit: { n?: number; bytes?: number }): string {
  const fields: string[] = [];
  let size = 0;
  for (let i = 0; (limit.n === undefined || i < limit.n) && size < (limit.bytes ?? Infinity); i++) {
    const field = `a${i}: workflows(first: 100) { edges { node { id name } } }`;
    fields.push(field);
    size += field.length + 1;
  }
  return `query Bomb { ${fields.join(" ")} }`;
}

/** `__type` → fields → type → … nested `levels` deep. */
function deepQuery(levels: number): string {
  let selection = "name";
  for (let i = 0; i < levels; i++) selection = `fields { type { ${selection} } }`;
  return `query Deep { __type(name: "Query") { ${selection} } }`;
}

/** The hostile documents: ~500 KB ones (alias and token bombs, a comment) and smaller ones per limit. */
const hostileDocuments: Record<string, string> = {
  "500 KB of aliases": aliasBomb({ bytes: fill }),
  "500 KB of tokens": `query Tokens { ${"__typename ".repeat(Math.floor(fill / 11))} }`,
  "500 KB comment": `# ${"x".repeat(fill)}\nquery Commented { viewer { environment } }`,
  "1,000 aliases": aliasBomb({ n: 1000 }),
  "nesting 20 deep": deepQuery(20),
  "40 aliases": `query Aliases { ${Array.from({ length: 40 }, (_, i) => `v${i}: viewer { environment }`).join(" ")} }`,
  "cost bomb": `query Costly { ${Array.from({ length: 12 }, (_, i) => `k${i}: workflows(first: 100) { edges { node { id name versions(first: 100) { edges { node { id } } } } } }`).join(" ")} }`,
};

const bodies = Object.values(hostileDocuments).map((query) => Buffer.from(JSON.stringify({ query })));
const agent = new Agent({ keepAlive: true });
const codes: Record<string, number> = {};
const latencies: number[] = [];
let sent = 0;

/** POSTs the `index`th body and records the answer's status and code. */
function post(index: number): Promise<void> {
  const body = bodies[index] as Buffer;
  const started = performance.now();
  return new Promise<void>((resolve) => {
    const req = request(url, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        "content-length": String(body.length),
        accept: "application/graphql-response+json",
        "x-api-key": key,
        "x-request-id": `hostile-a-${++sent}-document-${index}`,
      },
    });
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => {
        latencies.push(performance.now() - started);
        const code = /"code":"([A-Z_]+)"/.exec(Buffer.concat(chunks).toString("utf8"))?.[1] ?? "none";
        const outcome = `${res.statusCode} ${code}`;
        codes[outcome] = (codes[outcome] ?? 0) + 1;
        resolve();
      });
    });
    // The gateway answers a document over the limit before reading all of it, and closes.
    req.once("error", () => resolve());
    req.end(body);
  });
}

let attacking = false;
let wake: (() => void) | null = null;
let paused = Promise.resolve();

/** One loop: a hostile document after another while attacking. */
async function loop(offset: number): Promise<never> {
  for (let n = offset; ; n++) {
    while (!attacking) await paused;
    await post(n % bodies.length);
  }
}

process.on("message", (message: string) => {
  if (message === "attack") {
    attacking = true;
    wake?.();
  } else if (message === "pause") {
    attacking = false;
    paused = new Promise((resolve) => {
      wake = resolve;
    });
  } else if (message === "report") {
    process.send?.({ codes, latencies });
  }
});
paused = new Promise((resolve) => {
  wake = resolve;
});
for (let i = 0; i < Number(process.env.LOOPS ?? 4); i++) void loop(i * 2);
process.send?.("ready");
