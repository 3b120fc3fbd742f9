import type { EntityInput, EntityUpdateInput, ResponseAction, SendWorkflowInput } from "@flowgate/domain";
import type { Actor } from "../services/actor.ts";
import * as credits from "./credits.service.ts";
import type { DdqDeps } from "./ddq-deps.ts";
import * as entities from "./entities.service.ts";
import * as links from "./magic-links.service.ts";
import * as questionnaires from "./questionnaires.service.ts";
import * as responses from "./responses.service.ts";
import * as sending from "./send-workflow.service.ts";

/**
 * The due-diligence commands of the engine (seed 003): entities, questionnaires, responses and their review,
 * autofill, sending with magic links and email, the recipient's operations, and credits. Each command is
 * one transaction (a send is three: prepare, then charge or undo after the email), with its effects
 * published after commit.
 */
export class DdqService {
  readonly #deps: DdqDeps;

  /**
   * @param deps - Database, bus, wake-up, email sender, autofill provider and link base URL.
   */
  constructor(deps: DdqDeps) {
    this.#deps = deps;
  }

  /** See {@link entities.createEntity}. */
  createEntity(actor: Actor, input: EntityInput) {
    return entities.createEntity(this.#deps, actor, input);
  }

  /** See {@link entities.updateEntity}. */
  updateEntity(actor: Actor, input: EntityUpdateInput & { id: string }) {
    return entities.updateEntity(this.#deps, actor, input);
  }

  /** See {@link questionnaires.createQuestionnaire}. */
  createQuestionnaire(actor: Actor, input: questionnaires.CreateQuestionnaireInput) {
    return questionnaires.createQuestionnaire(this.#deps, actor, input);
  }

  /** See {@link questionnaires.publishQuestionnaireVersion}. */
  publishQuestionnaireVersion(actor: Actor, input: { questionnaireId: string; sections: unknown }) {
    return questionnaires.publishQuestionnaireVersion(this.#deps, actor, input);
  }

  /** See {@link responses.saveResponse}. */
  saveResponse(actor: Actor, input: { responseId: string; answers: Readonly<Record<string, unknown>> }) {
    return responses.saveResponse(this.#deps, actor, input);
  }

  /** See {@link responses.transitionResponse}. */
  transitionResponse(
    actor: Actor,
    input: {
      responseId: string;
      action: Exclude<ResponseAction, "send" | "revert_send">;
      note?: string | null;
    },
  ) {
    return responses.transitionResponse(this.#deps, actor, input);
  }

  /** See {@link responses.autofillResponse}. */
  autofillResponse(actor: Actor, input: { responseId: string }) {
    return responses.autofillResponse(this.#deps, actor, input);
  }

  /** See {@link sending.sendWorkflow}. */
  sendWorkflow(actor: Actor, input: SendWorkflowInput) {
    return sending.sendWorkflow(this.#deps, actor, input);
  }

  /** See {@link sending.sendResponse}. */
  sendResponse(
    actor: Actor,
    input: { responseId: string; email?: string | null | undefined; expiryHours?: number | null | undefined },
  ) {
    return sending.sendResponse(this.#deps, actor, input);
  }

  /** See {@link links.revokeWorkflowSession}. */
  revokeWorkflowSession(actor: Actor, input: { workflowSessionId: string }) {
    return links.revokeWorkflowSession(this.#deps, actor, input);
  }

  /** See {@link links.authenticateLink}. */
  authenticateLink(token: string | null | undefined) {
    return links.authenticateLink(this.#deps.db, token);
  }

  /** See {@link links.recipientView}. */
  recipientView(link: Parameters<typeof links.recipientView>[1]) {
    return links.recipientView(this.#deps.db, link);
  }

  /** See {@link links.recipientSaveAnswers}. */
  recipientSaveAnswers(token: string, answers: Readonly<Record<string, unknown>>) {
    return links.recipientSaveAnswers(this.#deps, token, answers);
  }

  /** See {@link links.recipientSubmit}. */
  recipientSubmit(token: string) {
    return links.recipientSubmit(this.#deps, token);
  }

  /** See {@link links.recipientCompleteVerification}. */
  recipientCompleteVerification(token: string) {
    return links.recipientCompleteVerification(this.#deps, token);
  }

  /** See {@link credits.creditBalance}. */
  creditBalance(actor: Actor) {
    return credits.creditBalance(this.#deps.db, actor);
  }

  /** See {@link credits.grantCredits}. */
  grantCredits(actor: Actor, input: Parameters<typeof credits.grantCredits>[2]) {
    return credits.grantCredits(this.#deps, actor, input);
  }

  /** See {@link credits.adjustCredits}. */
  adjustCredits(actor: Actor, input: Parameters<typeof credits.adjustCredits>[2]) {
    return credits.adjustCredits(this.#deps, actor, input);
  }

  /** See {@link credits.refundCharge}. */
  refundCharge(actor: Actor, input: Parameters<typeof credits.refundCharge>[2]) {
    return credits.refundCharge(this.#deps, actor, input);
  }
}
