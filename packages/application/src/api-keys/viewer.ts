import { findApiKeyById, findWorkspace } from "@flowgate/db";
import type { ApiKey, Environment, Workspace } from "@flowgate/domain";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";

/** Who is calling: the caller's own key, its workspace and environment. */
export interface Viewer {
  /** The key that authenticated the request (never its value). */
  apiKey: ApiKey;
  /** The workspace the key acts in. */
  workspace: Workspace;
  /** The environment the key acts in. */
  environment: Environment;
}

/**
 * The caller's own key, workspace and environment. Any authenticated key may read itself, so no scope is
 * needed; nothing about other keys or workspaces is returned.
 *
 * @param app - The application.
 * @param actor - The caller.
 */
export async function getViewer(app: Application, actor: Actor): Promise<Viewer> {
  const { db } = applicationDeps(app);
  const [apiKey, workspace] = await Promise.all([
    findApiKeyById(db, actor.keyId),
    findWorkspace(db, actor.workspaceId),
  ]);
  // The key authenticated this request a moment ago; it and its workspace are gone only if deleted since.
  if (!apiKey || apiKey.workspaceId !== actor.workspaceId || !workspace) {
    throw new Error(`The caller's key ${actor.keyId} or its workspace no longer exists`);
  }
  return { apiKey, workspace, environment: actor.environment };
}
