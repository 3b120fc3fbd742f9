import type { ApiKey, Tenant } from "@flowgate/domain";

/**
 * Who calls a use case: an API key acting in its workspace and environment with its scopes. Adapters get
 * one from {@link authenticateApiKey}; use cases check its scopes ({@link requireScope}) and keep every read
 * and write to its tenant (`workspaceId` + `environment`).
 */
export interface Actor extends Tenant {
  /** The key's id (`key_…`), recorded as who created or changed what. */
  keyId: string;
  /** The organization of the key's workspace, when known (saves a lookup in organization operations). */
  organizationId?: string | undefined;
  /** The key's scopes, as stored (`admin` grants every scope). */
  scopes: readonly string[];
}

/**
 * The actor of a stored key.
 *
 * @param apiKey - The key that authenticated the request.
 * @param organizationId - The organization of its workspace, when known.
 */
export function actorOfKey(apiKey: ApiKey, organizationId?: string): Actor {
  return {
    keyId: apiKey.id,
    workspaceId: apiKey.workspaceId,
    environment: apiKey.environment,
    scopes: apiKey.scopes,
    ...(organizationId ? { organizationId } : {}),
  };
}
