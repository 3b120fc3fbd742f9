import type { Job, JobKind } from "@flowgate/db";

/** What a {@link JobHandler} is told about the worker that runs it. */
export interface JobHandlerContext {
  /** The worker holding the job's lease (its `locked_by`). */
  workerId: string;
}

/**
 * Runs one claimed job of a kind that a layer above the engine owns (e.g. `response.autofill`, registered
 * by `@flowgate/application`). It deletes the job when its work is done (best in the transaction that
 * commits that work). A throw hands the job back to the queue with a backoff, as for any job; a crashed
 * worker's job is claimed again when its lease runs out, so a handler must be safe to run again.
 */
export type JobHandler = (job: Job, context: JobHandlerContext) => Promise<void>;

/**
 * The handlers of job kinds registered from outside the engine, one per kind. The run worker looks a
 * claimed job's kind up here; a kind that has no handler in this process yet is handed back for later.
 */
export class JobHandlers {
  readonly #handlers = new Map<JobKind, JobHandler>();

  /** Sets the handler of `kind` (a later registration replaces an earlier one). */
  register(kind: JobKind, handler: JobHandler): void {
    this.#handlers.set(kind, handler);
  }

  /** The handler of `kind`, if one is registered. */
  get(kind: JobKind): JobHandler | undefined {
    return this.#handlers.get(kind);
  }
}
