import { countJobsByState, countRunsByStatus, type Db } from "@flowgate/db";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * A gauge read from the database on every scrape, e.g. the webhook backlog: `read` returns one value per
 * label combination. A failed read leaves the gauge empty for that scrape instead of failing `/metrics`.
 */
export interface DatabaseGaugeSpec<L extends string> {
  /** Metric name, `flowgate_…`. */
  name: string;
  help: string;
  labelNames: readonly L[];
  read: (db: Db) => Promise<{ labels: Record<L, string>; value: number }[]>;
}

/** Buckets in seconds for durations from a millisecond to two minutes. */
const durationBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Buckets in seconds for the time a due job waited to be claimed (a poll interval is 1 s by default). */
const lagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The engine's Prometheus metrics, registered in `registry` (the process's, served at `/metrics`):
 *
 * - `flowgate_job_claim_lag_seconds{kind}`: histogram of how long a due job waited before a worker
 *   claimed it (database clock: claim time − `run_at`).
 * - `flowgate_step_duration_seconds{outcome}`: histogram of worker steps (one `stepRun`: the nodes it
 *   executes and their commit), by outcome (`advanced`, `parked`, `finished`, `delayed`, `superseded`,
 *   `error`).
 * - `flowgate_node_duration_seconds{node_type,result}`: histogram of completed node executions.
 * - `flowgate_run_transitions_total{status}`: counter of committed run status changes by new status
 *   (`pending` when a run is created or retried).
 * - `flowgate_jobs{kind,state}`: gauge read on scrape, the queue depth: `due` (waiting for a worker),
 *   `running` (leased), `scheduled` (due later: retry backoff, gate timeouts, expiries).
 * - `flowgate_runs{status}`: gauge read on scrape, runs not yet ended (`pending`, `running`, `paused`);
 *   ended runs are counted by `flowgate_run_transitions_total`.
 *
 * More database gauges (the webhook backlog) are added with {@link EngineMetrics.addDatabaseGauge}.
 */
export class EngineMetrics {
  readonly registry: Registry;
  readonly claimLag: Histogram<"kind">;
  readonly stepDuration: Histogram<"outcome">;
  readonly nodeDuration: Histogram<"node_type" | "result">;
  readonly runTransitions: Counter<"status">;
  readonly #db: Db;
  readonly #onReadError: (error: unknown, metric: string) => void;

  /**
   * @param registry - Where the metrics are registered (one registry per process or test app).
   * @param db - The database the scrape-time gauges read.
   * @param onReadError - Told when a gauge could not be read (the database is down, say).
   */
  constructor(registry: Registry, db: Db, onReadError: (error: unknown, metric: string) => void = () => {}) {
    this.registry = registry;
    this.#db = db;
    this.#onReadError = onReadError;
    const registers = [registry];
    this.claimLag = new Histogram({
      name: "flowgate_job_claim_lag_seconds",
      help: "Time a due job waited in the queue before a worker claimed it",
      labelNames: ["kind"],
      buckets: lagBuckets,
      registers,
    });
    this.stepDuration = new Histogram({
      name: "flowgate_step_duration_seconds",
      help: "Duration of a worker step (the nodes it executes and their commit), by outcome",
      labelNames: ["outcome"],
      buckets: durationBuckets,
      registers,
    });
    this.nodeDuration = new Histogram({
      name: "flowgate_node_duration_seconds",
      help: "Duration of completed node executions, by node type and result",
      labelNames: ["node_type", "result"],
      buckets: durationBuckets,
      registers,
    });
    this.runTransitions = new Counter({
      name: "flowgate_run_transitions_total",
      help: "Committed run status changes, by new status",
      labelNames: ["status"],
      registers,
    });
    this.addDatabaseGauge({
      name: "flowgate_jobs",
      help: "Jobs in the queue by kind and state (due: waiting for a worker, running: leased, scheduled: due later)",
      labelNames: ["kind", "state"],
      read: async (db) =>
        (await countJobsByState(db)).map(({ kind, state, count }) => ({
          labels: { kind, state },
          value: count,
        })),
    });
    this.addDatabaseGauge({
      name: "flowgate_runs",
      help: "Runs that have not ended, by status",
      labelNames: ["status"],
      read: async (db) =>
        (await countRunsByStatus(db)).map(({ status, count }) => ({ labels: { status }, value: count })),
    });
  }

  /**
   * Registers a gauge that is read from the database on every scrape. This is where the webhook backlog
   * goes once webhooks exist (`flowgate_webhook_deliveries{state}` from a count over the deliveries table).
   */
  addDatabaseGauge<L extends string>(spec: DatabaseGaugeSpec<L>): Gauge<L> {
    const db = this.#db;
    const onReadError = this.#onReadError;
    return new Gauge<L>({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const { labels, value } of await spec.read(db)) this.set(labels as never, value);
        } catch (error) {
          onReadError(error, spec.name);
        }
      },
    });
  }
}
