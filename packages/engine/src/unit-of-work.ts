import type { Db, Executor } from "@flowgate/db";
import type { RunEvent } from "@flowgate/domain";
import type { BusMessage, EventBus } from "./event-bus.ts";
import type { CommittedRunEvents, EngineTelemetry, RunRef } from "./telemetry/telemetry.ts";

/** Effects to carry out only once the transaction has committed. */
export class AfterCommit {
  readonly messages: BusMessage[] = [];
  /** Run events appended by the transaction, reported to the engine's telemetry after commit. */
  readonly runEvents: CommittedRunEvents[] = [];
  /** Runs created by the transaction. */
  readonly createdRuns: RunRef[] = [];
  wakeWorkers = false;

  /** Publishes these messages after commit. */
  publish(...messages: BusMessage[]): void {
    this.messages.push(...messages);
  }

  /**
   * Publishes a run's appended events on `run:<id>` after commit, and reports them to the engine's
   * telemetry (a log line per run transition, metrics). Every run event goes through here.
   */
  publishRunEvents(run: RunRef, events: readonly RunEvent[]): void {
    this.publish(...events.map((event) => ({ channel: `run:${run.id}` as const, event })));
    this.runEvents.push({ run: { id: run.id, workflowId: run.workflowId }, events });
  }

  /** Reports a run's appended events to the telemetry after commit; the write itself notified them. */
  reportRunEvents(run: RunRef, events: readonly RunEvent[]): void {
    this.runEvents.push({ run: { id: run.id, workflowId: run.workflowId }, events });
  }

  /** Reports a run created by this transaction to the engine's telemetry after commit. */
  runCreated(run: RunRef): void {
    this.createdRuns.push({ id: run.id, workflowId: run.workflowId });
  }

  /** Wakes the workers after commit (new work was queued). */
  wake(): void {
    this.wakeWorkers = true;
  }
}

/** What a unit of work needs to deliver its after-commit effects. */
export interface UnitOfWorkDeps {
  db: Db;
  bus: EventBus;
  wake: () => void;
  /** Told what each transaction committed (log lines and metrics); none: nothing is reported. */
  telemetry?: EngineTelemetry;
  /**
   * Whether a unit of work returns only once its messages are published (default true). A command's caller
   * may act on the answer at once (an API key revoked on every gateway, the event of a change it made), so
   * commands wait. The engine's own lanes do not: the bus sends in order whoever waits, and a run's next
   * step needs nothing from the NOTIFY of the last one, so waiting for it would only delay the run.
   */
  awaitPublish?: boolean;
}

/**
 * Runs `fn` in one transaction; when it commits, reports its run events to the telemetry, wakes the
 * workers and publishes the collected messages. Nothing is published or reported for a transaction that rolls
 * back.
 */
export async function inTransaction<T>(
  deps: UnitOfWorkDeps,
  fn: (trx: Executor, after: AfterCommit) => Promise<T>,
): Promise<T> {
  const after = new AfterCommit();
  const result = await deps.db.transaction().execute((trx) => fn(trx, after));
  await deliverAfterCommit(deps, after);
  return result;
}

/**
 * Carries out what a committed write collected: reports its run events to the telemetry, publishes its
 * messages and wakes the workers (what {@link inTransaction} does after commit).
 */
async function deliverAfterCommit(deps: UnitOfWorkDeps, after: AfterCommit): Promise<void> {
  // Workers first: a wake-up is one NOTIFY that the claim waits for, while the bus publish is a round
  // trip of its own that nothing on the worker's path needs to wait for.
  if (after.wakeWorkers) deps.wake();
  let published: Promise<void> | undefined;
  if (after.messages.length > 0) {
    published = deps.bus.publish(after.messages);
    if (!(deps.awaitPublish ?? true))
      published.catch((error: unknown) =>
        // A bus refuses a message only for a reason other than an outage (outages are retried): its
        // subscribers read the event from the store with the next one.
        deps.telemetry?.logger.error({ err: error }, "publishing committed events failed"),
      );
  }
  // Log lines and metrics once the wake-up and the events are on their way (their NOTIFYs are sent within
  // this turn of the event loop): nobody waits for them.
  const { telemetry } = deps;
  const report = telemetry
    ? () => {
        for (const run of after.createdRuns) telemetry.runCreated(run);
        telemetry.committed(after.runEvents);
      }
    : undefined;
  if (published && (deps.awaitPublish ?? true)) {
    try {
      await published;
    } finally {
      report?.();
    }
  } else if (report) {
    if (published || after.wakeWorkers) setImmediate(report);
    else report();
  }
}
