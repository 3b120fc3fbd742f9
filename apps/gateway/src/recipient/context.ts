import type { Application } from "@flowgate/application";
import type { Db } from "@flowgate/db";
import type { RecipientSend } from "@flowgate/domain";
import type { Engine } from "@flowgate/engine";

/** The context of a recipient request: the link its token opened, and nothing of the API-key world. */
export interface RecipientContext {
  db: Db;
  engine: Engine;
  /** The application: every use case takes it first. */
  app: Application;
  /** The token as presented (commands re-check it inside their transaction). */
  token: string;
  /** The workflow session the token opens, checked active when the request started. */
  link: RecipientSend;
}
