import { countWorkspaces, insertOrganization, insertWorkspace } from "@flowgate/db";
import { type ApiKeyScope, apiKeyScopes, type Environment, newId } from "@flowgate/domain";
import { type Application, applicationDeps } from "../application.ts";
import { issueApiKey } from "./api-keys.ts";

/** A provisioned workspace with one key per requested environment (the key values are shown only here). */
export interface ProvisionedWorkspace {
  organizationId: string;
  workspaceId: string;
  keys: Record<Environment, string>;
}

/**
 * Creates an organization, a workspace and one API key per environment with the given scopes (all scopes
 * by default), in one transaction. `keyValues` fixes a key's value (the demo's `FLOWGATE_SEED_API_KEY`).
 * This is operator bootstrap (first start, tests, benchmarks), so it takes no actor.
 *
 * @param app - The application.
 * @param input - Names, scopes and fixed key values.
 */
export async function provisionWorkspace(
  app: Application,
  input: {
    organizationName: string;
    workspaceName: string;
    scopes?: readonly ApiKeyScope[];
    keyValues?: Partial<Record<Environment, string>>;
  },
): Promise<ProvisionedWorkspace> {
  const { db } = applicationDeps(app);
  const organizationId = newId("org");
  const workspaceId = newId("ws");
  const keys = {} as Record<Environment, string>;
  await db.transaction().execute(async (trx) => {
    await insertOrganization(trx, { id: organizationId, name: input.organizationName });
    await insertWorkspace(trx, { id: workspaceId, organizationId, name: input.workspaceName });
    for (const environment of ["sandbox", "live"] as const) {
      const issued = await issueApiKey(
        trx,
        {
          workspaceId,
          environment,
          name: `${environment} key`,
          scopes: input.scopes ?? apiKeyScopes,
          expiresAt: null,
        },
        input.keyValues?.[environment],
      );
      keys[environment] = issued.key;
    }
  });
  return { organizationId, workspaceId, keys };
}

/**
 * Seeds the demo organization on an empty database; returns its keys, or null when data exists.
 *
 * @param app - The application.
 * @param sandboxKey - A fixed value for the demo's sandbox key.
 */
export async function seedDemoWorkspace(
  app: Application,
  sandboxKey?: string,
): Promise<ProvisionedWorkspace | null> {
  if ((await countWorkspaces(applicationDeps(app).db)) > 0) return null;
  return provisionWorkspace(app, {
    organizationName: "Demo organization",
    workspaceName: "Demo workspace",
    ...(sandboxKey ? { keyValues: { sandbox: sandboxKey } } : {}),
  });
}
