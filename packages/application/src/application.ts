import { randomBytes } from "node:crypto";
import {
  type AutofillProvider,
  BuiltinAutofillProvider,
  type EmailSender,
  type Engine,
  OutboxEmailSender,
  type UnitOfWorkDeps,
} from "@flowgate/engine";

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
  /** HMAC secret of signed download URLs (exports, reports); random per process when absent. */
  signingSecret?: string;
}

/** What the use cases run on: the engine's unit of work, and the providers the sending use cases need. */
export interface ApplicationDeps extends UnitOfWorkDeps {
  email: EmailSender;
  autofill: AutofillProvider;
  /** Base URL of recipient links: a link is `<linkBaseUrl>/recipient?token=<token>`. */
  linkBaseUrl: string;
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
      signingSecret: options.signingSecret ?? randomBytes(32).toString("base64url"),
    };
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
