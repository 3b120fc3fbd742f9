import { randomBytes } from "node:crypto";
import type { DatabaseAvailability } from "@flowgate/db";
import {
  type AutofillProvider,
  apiKeyChannel,
  BuiltinAutofillProvider,
  type EmailSender,
  type Engine,
  OutboxEmailSender,
  type SecretBox,
  type UnitOfWorkDeps,
} from "@flowgate/engine";
import { ApiKeyCache } from "./api-keys/api-key-cache.ts";
import { runAutofillJob } from "./questionnaires/autofill-jobs.ts";
import { registerSendJobs } from "./questionnaires/send-jobs.ts";
import { SharedReads } from "./shared-reads.ts";

/** How recipient sends run as durable jobs. */
export interface SendOptions {
  /**
   * Whether the request that sends delivers the email itself first (default true): its job is queued
   * already claimed by the request for {@link inlineLeaseMs}, so that a worker takes over only if the
   * request's process dies. With false, sends are left to the workers and the request waits for them.
   */
  inline?: boolean;
  /** How long an inline send holds its job before a worker may take it over, in ms (default 120,000). */
  inlineLeaseMs?: number;
  /**
   * How long `sendWorkflow`/`sendResponse` wait for their email job's outcome before answering `queued`
   * (the job goes on), in ms (default 30,000).
   */
  waitMs?: number;
  /** Emails a workspace may send per UTC hour, both environments together (default 1,000). */
  emailsPerWorkspaceHour?: number;
  /** How long a send's credit reservation is held before the sweeper gives it back, in ms (default 1 h). */
  reservationTtlMs?: number;
  /** How often a worker sweeps expired reservations, in ms (default 60,000). */
  sweepIntervalMs?: number;
}

/** How to build an {@link Application}. */
export interface ApplicationOptions {
  /** The runtime whose database, event bus and workers the use cases commit to and wake. */
  engine: Engine;
  /** How recipient emails (magic links) are delivered (default: kept in the outbox table). */
  email?: EmailSender;
  /** Fills questionnaire answers on `autofillResponse` (default: the deterministic built-in provider). */
  autofill?: AutofillProvider;
  /** Base URL of magic links: `<linkBaseUrl>/recipient?token=…` (default `http://127.0.0.1:4000`). */
  linkBaseUrl?: string;
  /**
   * How long an authenticated API key is used without looking it up again, in ms (default 10,000; `0`:
   * every request looks it up). Revoking or rotating a key evicts it at once on every gateway that shares
   * the event bus.
   */
  apiKeyCacheMs?: number;
  /**
   * Whether the database serves (from the process's database handle). While it does not, a cached key is
   * refused with the outage's error like any request that needs the database, so that every endpoint
   * answers an outage the same way.
   */
  databaseAvailability?: DatabaseAvailability;
  /** The current time for time-keyed records such as idempotency keys (default: the system clock); tests move it. */
  clock?: () => Date;
  /** Durable sends: wait, hourly cap, reservation expiry and sweeping. */
  sends?: SendOptions;
  /** HMAC secret of signed download URLs (exports, reports); random per process when absent. */
  signingSecret?: string;
}

/** What the use cases run on: the engine's unit of work, and the providers the sending use cases need. */
export interface ApplicationDeps extends UnitOfWorkDeps {
  email: EmailSender;
  autofill: AutofillProvider;
  /** Base URL of recipient links: a link is `<linkBaseUrl>/recipient?token=<token>`. */
  linkBaseUrl: string;
  /** Authenticated keys of this process, evicted by `api-keys` bus messages. */
  apiKeyCache: ApiKeyCache;
  /** Reads that concurrent requests of one tenant make as one statement (see {@link SharedReads}). */
  sharedReads: SharedReads;
  /** Whether the database serves, when the process tracks it. */
  databaseAvailability: DatabaseAvailability | undefined;
  /**
   * Encrypts secrets at rest that must be read back (the engine's key, `FLOWGATE_SECRET_KEY`): webhook
   * signing secrets, and link tokens while their email is pending.
   */
  secrets: SecretBox;
  /** The current time (see {@link ApplicationOptions.clock}). */
  clock: () => Date;
  /** Durable sends: wait, hourly cap, reservation expiry and sweeping. */
  sends: Required<SendOptions>;
  /** HMAC secret of signed download URLs. */
  signingSecret: string;
}

let depsOf: (app: Application) => ApplicationDeps;

/**
 * The application: an opaque handle that adapters (GraphQL, REST, pages, hooks) pass as the first argument
 * of every use case, e.g. `createWorkflow(app, actor, input)`. Adapters never see the database behind it;
 * use cases reach their dependencies with {@link applicationDeps}, which the package does not export.
 */
export class Application {
  readonly #deps: ApplicationDeps;

  static {
    depsOf = (app) => app.#deps;
  }

  /** @param options - The engine to run on and the providers of the sending use cases. */
  constructor(options: ApplicationOptions) {
    const unitOfWork = options.engine.unitOfWork;
    this.#deps = {
      ...unitOfWork,
      email: options.email ?? new OutboxEmailSender(unitOfWork.db),
      autofill: options.autofill ?? new BuiltinAutofillProvider(),
      linkBaseUrl: options.linkBaseUrl ?? "http://127.0.0.1:4000",
      apiKeyCache: new ApiKeyCache(options.apiKeyCacheMs ?? 10_000),
      sharedReads: new SharedReads(),
      databaseAvailability: options.databaseAvailability,
      secrets: options.engine.secrets,
      clock: options.clock ?? (() => new Date()),
      sends: {
        inline: options.sends?.inline ?? true,
        inlineLeaseMs: options.sends?.inlineLeaseMs ?? 120_000,
        waitMs: options.sends?.waitMs ?? 30_000,
        emailsPerWorkspaceHour: options.sends?.emailsPerWorkspaceHour ?? 1_000,
        reservationTtlMs: options.sends?.reservationTtlMs ?? 3_600_000,
        sweepIntervalMs: options.sends?.sweepIntervalMs ?? 60_000,
      },
      signingSecret: options.signingSecret ?? randomBytes(32).toString("base64url"),
    };
    // The engine's workers run the application's background jobs (the worker role builds an application
    // too, so that its workers have these handlers).
    const deps = this.#deps;
    options.engine.registerJobHandler("response.autofill", (job, context) =>
      runAutofillJob(deps, job, context),
    );
    const cache = this.#deps.apiKeyCache;
    // Another gateway revoked or rotated a key: forget it here too. Until the subscription is in place
    // (or should the bus lose the message) the cache's time-to-live bounds how long the key still works.
    void unitOfWork.bus
      .subscribe(apiKeyChannel, (message) => {
        if (message.channel === apiKeyChannel) cache.evict(message.event.keyId);
      })
      .catch(() => cache.clear());
    // The engine's workers (in this process) deliver recipient emails and sweep expired reservations.
    registerSendJobs(options.engine, this.#deps);
  }
}

/**
 * The dependencies behind an application handle. Internal to `@flowgate/application`: use cases call it,
 * adapters cannot (it is not exported from the package).
 *
 * @param app - The application handle.
 */
export function applicationDeps(app: Application): ApplicationDeps {
  return depsOf(app);
}
