import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BenchConfig } from "../config.ts";
import { CREATE_SESSION, expectType, FlowgateDeployment } from "../support/flowgate.ts";
import { gql, mapLimit } from "../support/graphql-http.ts";
import { now, percentile, sleep } from "../support/stats.ts";
import type { Workload } from "./workload.ts";

/** Endpoints (on the one receiver) every `session.created` event fans out to in the burn-down. */
const endpointCount = 4;
/** Deliveries a worker process sends at once (FLOWGATE_WEBHOOK_CONCURRENCY); the anchor uses the same. */
const laneConcurrency = 16;

const SET_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!) {
    updateWorkspace(id: $id, settings: { allowPrivateTaskUrls: true }) { __typename }
  }
`;

const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($url: String!) {
    createWebhookEndpoint(url: $url, events: ["session.created"]) {
      __typename
      ... on WebhookEndpointWithSecret { endpoint { id } }
      ... on Error { message }
    }
  }
`;

/**
 * Webhooks: a burn-down of queued deliveries (`session.created` of sessions created over GraphQL with no
 * worker running, each fanned out to 4 endpoints on one local receiver that answers 200 at once) by one
 * worker process, clock from spawn to the last delivery recorded as succeeded, beside the same number of
 * bare `fetch` POSTs of the same body from the benchmark process at the same concurrency; and the delay
 * from an event's commit to the start of its delivery (the event's timestamp, taken in its transaction,
 * to the attempt's `started_at`), sequential samples with a worker idle, p50 and p99.
 */
export const webhooks: Workload = async (config, progress) => {
  const perSecond: number[] = [];
  const anchor: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  const walls: string[] = [];
  for (let rep = 1; rep <= config.repetitions; rep++) {
    progress(`webhooks ${rep}/${config.repetitions}: ${config.webhookDeliveries} deliveries`);
    const burn = await burnDown(config);
    perSecond.push(burn.flowgate);
    anchor.push(burn.bare);
    walls.push(`${burn.wallSeconds.toFixed(1)} s`);
    progress(`webhooks ${rep}/${config.repetitions}: ${config.webhookLatencySamples} latency samples`);
    const latency = await commitToDelivery(config);
    p50.push(percentile(latency, 50));
    p99.push(percentile(latency, 99));
  }
  return {
    figures: [
      {
        workload: "webhooks",
        label: `deliveries/s to a local receiver (1 worker process, lane ${laneConcurrency}, ${endpointCount} endpoints)`,
        unit: "deliveries/s",
        flowgate: perSecond,
        anchor: { label: `bare fetch POSTs × ${laneConcurrency}`, values: anchor },
        targets: [{ kind: "none" }],
      },
      {
        workload: "webhooks",
        label: "event commit → delivery start, p50",
        unit: "ms",
        flowgate: p50,
        targets: [{ kind: "none" }],
      },
      {
        workload: "webhooks",
        label: "event commit → delivery start, p99",
        unit: "ms",
        flowgate: p99,
        targets: [{ kind: "none" }],
      },
    ],
    notes: [
      `Webhooks: ${config.webhookDeliveries} deliveries per burn-down, each signed (Standard Webhooks, HMAC-SHA256) and recorded with its attempt; the receiver runs in the benchmark process; the rate runs from the first attempt's start to the last attempt's end (wall time from the worker's spawn, per repetition: ${walls.join(", ")}). Latency: a gateway and a worker process (poll 1 s, NOTIFY wake-ups), ${config.webhookLatencySamples} sequential sessions, each waited for before the next.`,
    ],
  };
};

/** A receiver that answers 200 at once and counts requests. */
async function startReceiver(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    count: () => received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function prepare(
  deployment: FlowgateDeployment,
  gatewayUrl: string,
  receiverUrl: string,
  endpoints: number,
) {
  expectType(
    (await gql(gatewayUrl, deployment.apiKey, SET_WORKSPACE, { id: deployment.workspaceId })).updateWorkspace,
    "Workspace",
  );
  for (let i = 0; i < endpoints; i++) {
    const created = await gql(gatewayUrl, deployment.apiKey, CREATE_ENDPOINT, {
      url: `${receiverUrl}?e=${i}`,
    });
    expectType(created.createWebhookEndpoint, "WebhookEndpointWithSecret");
  }
}

async function burnDown(
  config: BenchConfig,
): Promise<{ flowgate: number; bare: number; wallSeconds: number }> {
  const deployment = await FlowgateDeployment.create(config.databaseUrl, "bench_webhooks");
  const receiver = await startReceiver();
  try {
    const gateway = await deployment.start("gateway");
    await prepare(deployment, gateway.url!, receiver.url, endpointCount);
    const sessions = Math.ceil(config.webhookDeliveries / endpointCount);
    await mapLimit(
      Array.from({ length: sessions }, (_, i) => i),
      8,
      async () =>
        expectType((await gql(gateway.url!, deployment.apiKey, CREATE_SESSION, {})).createSession, "Session"),
    );
    await deployment.stop(gateway);
    const total = await deployment.scalar("select count(*) as v from webhook_deliveries");
    const body = await deployment.pool.query<{ payload: string }>(
      "select payload from webhook_events limit 1",
    );

    const started = now();
    await deployment.start("worker", { FLOWGATE_WEBHOOK_CONCURRENCY: String(laneConcurrency) });
    await deployment.until(
      async () =>
        (await deployment.scalar(
          "select count(*) as v from webhook_deliveries where status = 'succeeded'",
        )) >= total,
      600_000,
      "the webhook burn-down",
      10,
    );
    const wallSeconds = (now() - started) / 1000;
    // The rate once delivering: first attempt's start to the last attempt's end (worker start-up excluded;
    // the wall time with it is in the notes).
    const span = await deployment.scalar(
      `select extract(epoch from (max(started_at + duration_ms * interval '1 millisecond') - min(started_at))) as v
       from webhook_attempts`,
    );
    const flowgate = total / span;

    // The anchor: the same number of POSTs of the same body to the same receiver, no signing, no database.
    const payload = body.rows[0]?.payload ?? "{}";
    const bareStarted = now();
    await mapLimit(
      Array.from({ length: total }, (_, i) => i),
      laneConcurrency,
      async () => {
        const response = await fetch(receiver.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: payload,
        });
        await response.text();
      },
    );
    const bare = total / ((now() - bareStarted) / 1000);
    return { flowgate, bare, wallSeconds };
  } finally {
    await deployment.close();
    await receiver.close();
  }
}

async function commitToDelivery(config: BenchConfig): Promise<number[]> {
  const deployment = await FlowgateDeployment.create(config.databaseUrl, "bench_webhooks_latency");
  const receiver = await startReceiver();
  try {
    const [gateway] = await Promise.all([deployment.start("gateway"), deployment.start("worker")]);
    await prepare(deployment, gateway!.url!, receiver.url, 1);
    for (let i = 0; i < config.webhookLatencySamples; i++) {
      const before = receiver.count();
      expectType((await gql(gateway!.url!, deployment.apiKey, CREATE_SESSION, {})).createSession, "Session");
      await deployment.until(async () => receiver.count() > before, 30_000, "a webhook delivery", 2);
      await sleep(2);
    }
    const { rows } = await deployment.pool.query<{ ms: string }>(
      `select extract(epoch from (a.started_at - e.created_at)) * 1000 as ms
       from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id
       join webhook_events e on e.id = d.event_id where a.attempt = 1`,
    );
    return rows.map((row) => Number(row.ms));
  } finally {
    await deployment.close();
    await receiver.close();
  }
}
