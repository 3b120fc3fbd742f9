import { isDatabaseUnavailableError } from "@flowgate/db";

/**
 * Reads that concurrent requests share: the reads of one kind that requests ask for within one turn of
 * the event loop are made as one statement when the turn ends (`setImmediate`), and each request gets its
 * part of the answer.
 *
 * This is not a cache. A read is shared only by the requests that asked for it before it was sent, and a
 * request that asks after it was sent waits for the next one, so every answer is at least as fresh as the
 * moment it was asked for: a client that committed a change and then reads sees the change, on this
 * gateway or another. What sharing saves is per-statement work on both sides (building and sending the
 * statement, PostgreSQL's execution and the row decoding), which under load is most of a small read's
 * cost: 50 clients asking for runs by id cost a handful of statements a turn instead of 50.
 *
 * Reads are shared only within one tenant (the group key names it), after each caller's own scope check,
 * and only by the same reading function; the answer's rows are the caller's records or none. Rows are
 * handed to every sharer as they are, so readers treat them as immutable (as they treat a DataLoader's).
 *
 * Why our own: DataLoader batches one request's lookups (its cache is the request's); what is shared here
 * is a statement across requests, with no cache at all, which DataLoader's options cannot express (with
 * `cache: false` it still batches by key, not by tenant, and answers per key). This is about 80 lines.
 *
 * A shared read that fails is read again per caller (each its own ids), so that a value one caller sent
 * that the database refuses fails that caller only; an outage fails them all at once.
 */
export class SharedReads {
  /** Reads by id asked for in this turn, by group. */
  readonly #byIds = new Map<string, IdBatch>();
  /** Whole reads asked for in this turn, by key. */
  readonly #once = new Map<string, OnceRead>();
  #scheduled = false;

  /**
   * Rows of `ids`, read together with the ids that other requests ask of the same `group` in this turn:
   * `read` runs once for the union of their ids (without repeats), and every caller gets all the rows it
   * returned (callers align them to their ids, e.g. with `alignByKey`).
   *
   * @param group - The reading function and tenant, e.g. `runs|<workspace>|<environment>`; requests of one
   *   group must be entitled to the same rows, and `read` must be the same read for all of them.
   * @param ids - The ids this caller asks for.
   * @param read - Reads the rows of a list of ids.
   */
  byIds<T>(
    group: string,
    ids: readonly string[],
    read: (ids: readonly string[]) => Promise<T[]>,
  ): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    let batch = this.#byIds.get(group);
    if (!batch) {
      batch = { ids: new Set(), read, waiting: [] };
      this.#byIds.set(group, batch);
      this.#schedule();
    }
    for (const id of ids) batch.ids.add(id);
    const { waiting } = batch;
    return new Promise<T[]>((resolve, reject) => {
      waiting.push({ ids, resolve: resolve as (rows: unknown[]) => void, reject });
    });
  }

  /**
   * The answer of `read`, shared by every request that asks for the same `key` in this turn: `read` runs
   * once, when the turn ends.
   *
   * @param key - The reading function, its tenant and its arguments, e.g.
   *   `workflow-list|<workspace>|<environment>|{"limit":20}`; equal keys must mean equal answers.
   * @param read - The read.
   */
  once<T>(key: string, read: () => Promise<T>): Promise<T> {
    const pending = this.#once.get(key);
    if (pending) return pending.answer as Promise<T>;
    let start!: () => void;
    const answer = new Promise<T>((resolve, reject) => {
      start = () => read().then(resolve, reject);
    });
    this.#once.set(key, { answer, start });
    this.#schedule();
    return answer;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#byIds.values()];
    const reads = [...this.#once.values()];
    // Reads asked for from now on wait for the next turn: they may follow a commit these do not see.
    this.#byIds.clear();
    this.#once.clear();
    for (const batch of batches) {
      batch.read([...batch.ids]).then(
        (rows) => {
          for (const waiter of batch.waiting) waiter.resolve(rows);
        },
        (error: unknown) => {
          if (batch.waiting.length === 1 || isDatabaseUnavailableError(error)) {
            for (const waiter of batch.waiting) waiter.reject(error);
            return;
          }
          // One caller's ids (a value the database refuses) must not fail the others: each reads its own
          // ids again, alone, and gets its own answer or error.
          for (const waiter of batch.waiting) batch.read(waiter.ids).then(waiter.resolve, waiter.reject);
        },
      );
    }
    for (const read of reads) read.start();
  }
}

interface IdBatch {
  ids: Set<string>;
  read: (ids: readonly string[]) => Promise<unknown[]>;
  waiting: {
    ids: readonly string[];
    resolve: (rows: unknown[]) => void;
    reject: (error: unknown) => void;
  }[];
}

interface OnceRead {
  answer: Promise<unknown>;
  start: () => void;
}

/**
 * The part of a {@link SharedReads} key that names the caller's tenant: requests of one workspace and
 * environment read the same records.
 *
 * @param tenant - The caller (an actor) or any tenant.
 */
export function tenantKey(tenant: { workspaceId: string; environment: string }): string {
  return `${tenant.workspaceId}|${tenant.environment}`;
}
