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
  /**
   * The channel a statement of this transaction may NOTIFY to wake other processes' workers itself, set
   * when the transaction commits alone (see {@link UnitOfWorkDeps.wakeChannel}); undefined otherwise.
   */
  wakeChannel: string | undefined;
  /** A statement of this transaction notifies {@link wakeChannel}: after commit only local workers are woken. */
  othersWoken = false;

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

  /**
   * Wakes the workers after commit, for work that one statement of this transaction queues: returns the
   * channel that statement must NOTIFY to wake the other processes' workers itself (the transaction commits
   * alone), after commit only this process's are then woken; undefined: all are woken after commit.
   */
  wakeFromStatement(): string | undefined {
    this.wakeWorkers = true;
    if (this.wakeChannel) this.othersWoken = true;
    return this.wakeChannel;
  }
}

/** What a unit of work needs to deliver its after-commit effects. */
export interface UnitOfWorkDeps {
  db: Db;
  bus: EventBus;
  wake: () => void;
  /**
   * The NOTIFY channel on which other processes' workers wait for wake-ups (PostgreSQL), with
   * {@link wakeHere}: a transaction that commits alone in this process lets its statement that queues work
   * send the wake-up, which then goes out with the commit instead of a round trip after it. (A transaction
   * that notifies holds PostgreSQL's notify lock through its commit's WAL flush, so concurrent ones do not.)
   */
  wakeChannel?: string;
  /** Wakes this process's workers only (the statement woke the others); required with {@link wakeChannel}. */
  wakeHere?: () => void;
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
  if (deps.wakeChannel && deps.wakeHere && openTransactions === 0) after.wakeChannel = deps.wakeChannel;
  openTransactions++;
  let result: T;
  try {
    result = await deps.db.transaction().execute((trx) => fn(trx, after));
  } finally {
    openTransactions--;
  }
  await deliverAfterCommit(deps, after);
  return result;
}

/** Transactions of {@link inTransaction} open in this process (one alone may notify; see `wakeChannel`). */
let openTransactions = 0;

/**
 * Carries out what a committed write collected: reports its run events to the telemetry, publishes its
 * messages and wakes the workers (what {@link inTransaction} does after commit).
 */
async function deliverAfterCommit(deps: UnitOfWorkDeps, after: AfterCommit): Promise<void> {
  // Workers first: a wake-up is one NOTIFY that the claim waits for, while the bus publish is a round
  // trip of its own that nothing on the worker's path needs to wait for.
  if (after.wakeWorkers) {
    if (after.othersWoken && deps.wakeHere) deps.wakeHere();
    else deps.wake();
  }
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
