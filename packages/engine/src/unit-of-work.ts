import type { Db, Executor } from "@flowgate/db";
import type { BusMessage, EventBus } from "./event-bus.ts";

/** Effects to carry out only once the transaction has committed. */
export class AfterCommit {
  readonly messages: BusMessage[] = [];
  wakeWorkers = false;

  /** Publishes these messages after commit. */
  publish(...messages: BusMessage[]): void {
    this.messages.push(...messages);
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
}

/**
 * Runs `fn` in one transaction; when it commits, publishes the collected messages and wakes the workers.
 * Nothing is published for a transaction that rolls back.
 */
export async function inTransaction<T>(
  deps: UnitOfWorkDeps,
  fn: (trx: Executor, after: AfterCommit) => Promise<T>,
): Promise<T> {
  const after = new AfterCommit();
  const result = await deps.db.transaction().execute((trx) => fn(trx, after));
  if (after.messages.length > 0) await deps.bus.publish(after.messages);
  if (after.wakeWorkers) deps.wake();
  return result;
}
