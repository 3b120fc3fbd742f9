/**
 * The fan-out benchmark's client side, in a process of its own so that the benchmark's other work does
 * not slow the clients down. Driven over IPC by `fan-out.ts`:
 *
 * 1. `subscribe`: opens one graphql-ws connection per subscriber (at most `concurrency` being opened at
 *    once), each subscribing to `runProgress(runId, afterSeq: lastSeq - 1)`; the replayed event `lastSeq`
 *    confirms that the subscription is live. Answers `subscribed` with the rate. The connections speak the
 *    graphql-ws protocol over plain `ws` sockets (`raw-subscription.ts`): the graphql-ws client cost this
 *    one process about 0.5 ms of CPU per subscription, as much as the gateway, on a 2-core machine.
 * 2. `decide`: sends every run's gate decision over HTTP from this process (same clock as the receipts),
 *    waits until every stream completed (or `timeoutMs`), answers `delivered`.
 * 3. `verify`: given each run's final seq, counts lost, duplicated and reordered events per subscriber and
 *    answers `result` with the latencies.
 */
import { DECIDE, expectType } from "../support/flowgate.ts";
import { gql, mapLimit } from "../support/graphql-http.ts";
import { subscribeRunOverWebSocket } from "../support/raw-subscription.ts";
import { percentile, wallClock } from "../support/stats.ts";
import type { RunSubscription } from "../support/subscriptions.ts";

/** A run the clients watch: parked at a gate, its last stored event is `lastSeq`. */
export interface WatchedRun {
  runId: string;
  sessionId: string;
  lastSeq: number;
}

/** Messages from the benchmark to this process. */
export type FanOutCommand =
  | {
      type: "subscribe";
      url: string;
      apiKey: string;
      runs: WatchedRun[];
      perRun: number;
      concurrency: number;
    }
  | { type: "decide"; concurrency: number; timeoutMs: number }
  | { type: "verify"; finalSeq: Record<string, number> };

/** What the clients measured, sent with `result`. */
export interface FanOutMeasurement {
  subscribers: number;
  subscribeSeconds: number;
  subscriptionsPerSecond: number;
  /** Event `createdAt` (taken by the worker just before its write, ms resolution) → receipt, in ms. */
  commitToClient: { p50: number; p99: number; samples: number };
  /** Decision request sent → the first later event received, per subscriber, in ms. */
  decisionToFirstEvent: { p50: number; p99: number; samples: number };
  lost: number;
  duplicated: number;
  reordered: number;
  /** Streams that did not complete (error or timeout). */
  incomplete: number;
  /** The first few anomalies, for printing. */
  examples: string[];
}

/** Messages from this process to the benchmark. */
export type FanOutReply =
  | { type: "subscribed"; seconds: number; failures: number }
  | { type: "delivered"; seconds: number }
  | { type: "result"; measurement: FanOutMeasurement }
  | { type: "error"; message: string };

interface Subscriber {
  run: WatchedRun;
  subscription: RunSubscription;
  seqs: number[];
  /** Receipt time (wall clock, ms) of each event, parallel to `seqs`. */
  receivedAt: number[];
  createdAt: number[];
  done: Promise<{ completed: boolean; error?: unknown }>;
}

const subscribers: Subscriber[] = [];
const decidedAt = new Map<string, number>();
let subscribeSeconds = 0;
let target = { url: "", apiKey: "" };

function send(reply: FanOutReply): void {
  process.send!(reply);
}

async function subscribe(command: Extract<FanOutCommand, { type: "subscribe" }>): Promise<void> {
  const plan = command.runs.flatMap((run) => Array.from({ length: command.perRun }, () => run));
  const started = wallClock();
  let failures = 0;
  await mapLimit(plan, command.concurrency, async (run) => {
    let confirm!: () => void;
    const confirmed = new Promise<void>((resolve) => {
      confirm = resolve;
    });
    const subscriber: Subscriber = {
      run,
      subscription: { done: Promise.resolve({ completed: false }), dispose: () => {} },
      seqs: [],
      receivedAt: [],
      createdAt: [],
      done: Promise.resolve({ completed: false }),
    };
    subscriber.subscription = subscribeRunOverWebSocket(
      command.url,
      command.apiKey,
      run.runId,
      run.lastSeq - 1,
      (event) => {
        subscriber.seqs.push(event.seq);
        subscriber.receivedAt.push(wallClock());
        subscriber.createdAt.push(Date.parse(event.createdAt));
        if (event.seq === run.lastSeq) confirm();
      },
    );
    subscriber.done = subscriber.subscription.done;
    subscribers.push(subscriber);
    const outcome = await Promise.race([confirmed.then(() => null), subscriber.done]);
    if (outcome) failures++;
  });
  subscribeSeconds = (wallClock() - started) / 1000;
  send({ type: "subscribed", seconds: subscribeSeconds, failures });
}

async function decide(command: Extract<FanOutCommand, { type: "decide" }>): Promise<void> {
  const runs = [...new Map(subscribers.map((s) => [s.run.runId, s.run])).values()];
  const started = wallClock();
  await mapLimit(runs, command.concurrency, async (run) => {
    decidedAt.set(run.runId, wallClock());
    const answer = await gql(target.url, target.apiKey, DECIDE, { sessionId: run.sessionId });
    expectType(answer.submitExternalDecision, "ExternalDecisionPayload");
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(subscribers.map((s) => s.done)),
    new Promise((resolve) => {
      timer = setTimeout(resolve, command.timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  send({ type: "delivered", seconds: (wallClock() - started) / 1000 });
}

async function verify(command: Extract<FanOutCommand, { type: "verify" }>): Promise<void> {
  const commitToClient: number[] = [];
  const decisionToFirst: number[] = [];
  let lost = 0;
  let duplicated = 0;
  let reordered = 0;
  let incomplete = 0;
  const examples: string[] = [];
  const outcomes = await Promise.all(
    subscribers.map((s) => Promise.race([s.done, Promise.resolve({ completed: false, error: "timeout" })])),
  );
  for (const [index, s] of subscribers.entries()) {
    const final = command.finalSeq[s.run.runId] ?? Number.NaN;
    const seen = new Set<number>();
    let highest = 0;
    let anomaly = false;
    for (const [i, seq] of s.seqs.entries()) {
      if (seen.has(seq)) {
        duplicated++;
        anomaly = true;
      } else if (seq < highest) {
        reordered++;
        anomaly = true;
      }
      seen.add(seq);
      highest = Math.max(highest, seq);
      if (seq > s.run.lastSeq) commitToClient.push(s.receivedAt[i]! - s.createdAt[i]!);
    }
    for (let seq = s.run.lastSeq; seq <= final; seq++) {
      if (!seen.has(seq)) {
        lost++;
        anomaly = true;
      }
    }
    const firstLive = s.seqs.findIndex((seq) => seq > s.run.lastSeq);
    const decided = decidedAt.get(s.run.runId);
    if (firstLive >= 0 && decided !== undefined) decisionToFirst.push(s.receivedAt[firstLive]! - decided);
    const outcome = outcomes[index]!;
    if (!outcome.completed) {
      incomplete++;
      anomaly = true;
    }
    if (anomaly && examples.length < 5) {
      examples.push(
        `subscriber ${index} of ${s.run.runId} (events ${s.run.lastSeq}..${final}) received [${s.seqs.join(", ")}]${outcome.completed ? "" : `, not completed: ${JSON.stringify(outcome.error ?? "")}`}`,
      );
    }
  }
  send({
    type: "result",
    measurement: {
      subscribers: subscribers.length,
      subscribeSeconds,
      subscriptionsPerSecond: subscribers.length / subscribeSeconds,
      commitToClient: {
        p50: percentile(commitToClient, 50),
        p99: percentile(commitToClient, 99),
        samples: commitToClient.length,
      },
      decisionToFirstEvent: {
        p50: percentile(decisionToFirst, 50),
        p99: percentile(decisionToFirst, 99),
        samples: decisionToFirst.length,
      },
      lost,
      duplicated,
      reordered,
      incomplete,
      examples,
    },
  });
  for (const s of subscribers) s.subscription.dispose();
}

process.on("message", (command: FanOutCommand) => {
  const handle = async () => {
    switch (command.type) {
      case "subscribe":
        target = { url: command.url, apiKey: command.apiKey };
        return subscribe(command);
      case "decide":
        return decide(command);
      case "verify":
        return verify(command);
    }
  };
  handle().catch((error: unknown) =>
    send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
process.stdout.write("ready\n");
// Stopped by the benchmark with SIGTERM: exit normally (so that `--cpu-prof` can write its profile).
process.once("SIGTERM", () => process.exit(0));
