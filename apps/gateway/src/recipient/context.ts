import type { Application } from "@flowgate/application";
import type { RecipientSend } from "@flowgate/domain";

/** The context of a recipient request: the link its token opened, and nothing of the API-key world. */
export interface RecipientContext {
  /** The application: every use case takes it first. */
  app: Application;
  /** The token as presented (commands re-check it inside their transaction). */
  token: string;
  /** The recipient send (GraphQL `WorkflowSession`) the token opens, checked active when the request started. */
  link: RecipientSend;
}
