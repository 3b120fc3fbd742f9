import { provisionWorkspace } from "@flowgate/application";
import { testBackends } from "@flowgate/db/testing";
import { describe, expect } from "vitest";
import { CREATE_WORKFLOW } from "./fixtures.ts";
import { eventually } from "./harness.ts";
import { test } from "./harness-test.ts";

const WORKSPACE_FIELDS = /* GraphQL */ `
  id name organizationId createdAt costThisMonth
  settings { defaultLinkExpiryHours allowPrivateTaskUrls monthlyBudgetCents }
`;

const CREATE_WORKSPACE = /* GraphQL */ `
  mutation ($name: String!, $settings: WorkspaceSettingsInput) {
    createWorkspace(name: $name, settings: $settings) {
      __typename
      ... on Workspace { ${WORKSPACE_FIELDS} }
      ... on ValidationError { issues { path message } }
    }
  }
`;

const UPDATE_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!, $name: String, $settings: WorkspaceSettingsInput) {
    updateWorkspace(id: $id, name: $name, settings: $settings) {
      __typename
      ... on Workspace { ${WORKSPACE_FIELDS} }
      ... on ValidationError { issues { path message } }
      ... on NotFoundError { resource missingId: id }
    }
  }
`;

const KEY_FIELDS = /* GraphQL */ `id name prefix workspaceId environment scopes status expiresAt revokedAt createdAt`;

const CREATE_KEY = /* GraphQL */ `
  mutation ($workspaceId: ID!, $environment: Environment!, $name: String!, $scopes: [String!]!, $expiresAt: DateTime) {
    createApiKey(workspaceId: $workspaceId, environment: $environment, name: $name, scopes: $scopes, expiresAt: $expiresAt) {
      __typename
      ... on CreatedApiKey { key apiKey { ${KEY_FIELDS} } }
      ... on ValidationError { issues { path message } }
      ... on NotFoundError { resource missingId: id }
      ... on LiveKeyFromSandboxError { code operation message }
    }
  }
`;

const ROTATE_KEY = /* GraphQL */ `
  mutation ($id: ID!, $graceSeconds: Int) {
    rotateApiKey(id: $id, graceSeconds: $graceSeconds) {
      __typename
      ... on CreatedApiKey { key apiKey { ${KEY_FIELDS} } }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { resource missingId: id }
      ... on LiveKeyFromSandboxError { code operation message }
    }
  }
`;

const REVOKE_KEY = /* GraphQL */ `
  mutation ($id: ID!) {
    revokeApiKey(id: $id) {
      __typename
      ... on ApiKey { ${KEY_FIELDS} }
      ... on NotFoundError { resource missingId: id }
    }
  }
`;

const API_KEYS = /* GraphQL */ `
  query ($workspaceId: ID!, $environment: Environment, $includeInactive: Boolean) {
    apiKeys(workspaceId: $workspaceId, environment: $environment, includeInactive: $includeInactive) {
      edges { node { ${KEY_FIELDS} } }
    }
  }
`;

const WHO_AM_I = /* GraphQL */ `{ workflows { edges { node { id } } } }`;

describe.each(testBackends())("workspaces and API keys (%s)", (backend) => {
  test.override({ backend });

  test("lists and reads only the workspaces of the caller's organization", async ({ harness: h }) => {
    const admin = h.acme.keys.sandbox;
    const listed = await h.gql(admin, `{ workspaces { edges { node { ${WORKSPACE_FIELDS} } } } }`);
    expect(listed.errors).toBeUndefined();
    const ids = listed.data.workspaces.edges.map((edge: any) => edge.node.id);
    expect(ids).toContain(h.acme.workspaceId);
    expect(ids).not.toContain(h.other.workspaceId);
    const mine = listed.data.workspaces.edges.find((edge: any) => edge.node.id === h.acme.workspaceId).node;
    expect(mine).toMatchObject({
      name: "KYC",
      organizationId: h.acme.organizationId,
      costThisMonth: 0,
      settings: { defaultLinkExpiryHours: 48, allowPrivateTaskUrls: false, monthlyBudgetCents: null },
    });

    const read = `query ($id: ID!) { workspace(id: $id) { id name } node(id: $id) { id ... on Workspace { name } } }`;
    expect((await h.gql(admin, read, { id: h.acme.workspaceId })).data).toEqual({
      workspace: { id: h.acme.workspaceId, name: "KYC" },
      node: { id: h.acme.workspaceId, name: "KYC" },
    });
    expect((await h.gql(admin, read, { id: h.other.workspaceId })).data).toEqual({
      workspace: null,
      node: null,
    });
  });

  test("creates a workspace with settings and updates only what is given", async ({ harness: h }) => {
    const admin = h.acme.keys.sandbox;
    const created = await h.gql(admin, CREATE_WORKSPACE, {
      name: "  Tasks  ",
      settings: { defaultLinkExpiryHours: 24, monthlyBudgetCents: 5000 },
    });
    const workspace = created.data.createWorkspace;
    expect(workspace).toMatchObject({
      __typename: "Workspace",
      name: "Tasks",
      organizationId: h.acme.organizationId,
      settings: { defaultLinkExpiryHours: 24, allowPrivateTaskUrls: false, monthlyBudgetCents: 5000 },
    });
    expect(workspace.id).toMatch(/^ws_/);

    const renamed = await h.gql(admin, UPDATE_WORKSPACE, {
      id: workspace.id,
      name: "Task runner",
      settings: { allowPrivateTaskUrls: true },
    });
    expect(renamed.data.updateWorkspace).toMatchObject({
      name: "Task runner",
      settings: { defaultLinkExpiryHours: 24, allowPrivateTaskUrls: true, monthlyBudgetCents: 5000 },
    });
    const cleared = await h.gql(admin, UPDATE_WORKSPACE, {
      id: workspace.id,
      settings: { monthlyBudgetCents: null },
    });
    expect(cleared.data.updateWorkspace).toMatchObject({
      name: "Task runner",
      settings: { defaultLinkExpiryHours: 24, allowPrivateTaskUrls: true, monthlyBudgetCents: null },
    });
  });

  test("answers invalid input with a ValidationError naming each field, and another organization's workspace with not found", async ({
    harness: h,
  }) => {
    const admin = h.acme.keys.sandbox;
    const invalid = await h.gql(admin, CREATE_WORKSPACE, {
      name: " ",
      settings: { defaultLinkExpiryHours: 0, monthlyBudgetCents: -1, allowPrivateTaskUrls: null },
    });
    expect(invalid.data.createWorkspace.__typename).toBe("ValidationError");
    expect(invalid.data.createWorkspace.issues.map((issue: any) => issue.path.join("."))).toEqual([
      "name",
      "settings.defaultLinkExpiryHours",
      "settings.allowPrivateTaskUrls",
      "settings.monthlyBudgetCents",
    ]);
    const foreign = await h.gql(admin, UPDATE_WORKSPACE, { id: h.other.workspaceId, name: "Mine now" });
    expect(foreign.data.updateWorkspace).toEqual({
      __typename: "NotFoundError",
      resource: "Workspace",
      missingId: h.other.workspaceId,
    });
    const otherAdmin = await h.gql(h.other.keys.sandbox, `query ($id: ID!) { workspace(id: $id) { name } }`, {
      id: h.other.workspaceId,
    });
    expect(otherAdmin.data.workspace).toEqual({ name: "Other" });
  });

  test("creates keys shown once, scoped to their workspace and environment", async ({ harness: h }) => {
    const admin = h.acme.keys.sandbox;
    const workspace = (await h.gql(admin, CREATE_WORKSPACE, { name: "Keys" })).data.createWorkspace;
    // Only a live key may create a live key.
    const created = await h.gql(h.acme.keys.live, CREATE_KEY, {
      workspaceId: workspace.id,
      environment: "live",
      name: "CI",
      scopes: ["workflows:read", "workflows:write", "workflows:read"],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const { key, apiKey } = created.data.createApiKey;
    expect(key).toMatch(/^fg_live_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({
      name: "CI",
      prefix: key.slice(0, 16),
      workspaceId: workspace.id,
      environment: "live",
      scopes: ["workflows:read", "workflows:write"],
      status: "active",
      revokedAt: null,
    });

    // The new key works in its own workspace and environment only.
    const made = await h.gql(key, CREATE_WORKFLOW, {
      name: "Echo",
      graph: {
        entry: "start",
        nodes: [
          { id: "start", type: "start", next: "done" },
          { id: "done", type: "terminal", outcome: "approved" },
        ],
      },
    });
    const workflowId = made.data.createWorkflow.id;
    const mineQuery = `query ($id: ID!) { workflow(id: $id) { id } }`;
    expect((await h.gql(key, mineQuery, { id: workflowId })).data.workflow).toEqual({ id: workflowId });
    expect((await h.gql(admin, mineQuery, { id: workflowId })).data.workflow).toBeNull();
    // Without `admin` it cannot manage workspaces or keys.
    const refused = await h.gql(key, `{ workspaces { edges { node { id } } } }`);
    expect(refused.errors?.[0]?.message).toMatch(/not authorized/i);

    // Listing never shows the value.
    const listedResponse = await h.gql(admin, API_KEYS, { workspaceId: workspace.id });
    expect(listedResponse.data.apiKeys.edges.map((edge: any) => edge.node.id)).toEqual([apiKey.id]);
    expect(JSON.stringify(listedResponse)).not.toContain(key);
    const keyNode = await h.gql(
      admin,
      `query ($id: ID!) { node(id: $id) { ... on ApiKey { name prefix } } }`,
      {
        id: apiKey.id,
      },
    );
    expect(keyNode.data.node).toEqual({ name: "CI", prefix: key.slice(0, 16) });
    const sandboxOnly = await h.gql(admin, API_KEYS, { workspaceId: workspace.id, environment: "sandbox" });
    expect(sandboxOnly.data.apiKeys.edges).toEqual([]);
    const workspaceKeys = await h.gql(
      admin,
      `query ($id: ID!) { workspace(id: $id) { apiKeys { edges { node { id } } } } }`,
      { id: workspace.id },
    );
    expect(workspaceKeys.data.workspace.apiKeys.edges).toEqual([{ node: { id: apiKey.id } }]);

    // A key that was used says when (to the minute); a new one has never been used.
    expect(apiKey.lastUsedAt ?? null).toBeNull();
    const used = await eventually(async () => {
      const { data } = await h.gql(
        admin,
        `query ($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }`,
        {
          id: apiKey.id,
        },
      );
      return data.node.lastUsedAt as string | null;
    });
    expect(Date.now() - Date.parse(used)).toBeLessThan(3_600_000);
  });

  test("validates key input and hides other organizations' workspaces and keys", async ({ harness: h }) => {
    const admin = h.acme.keys.sandbox;
    const invalid = await h.gql(admin, CREATE_KEY, {
      workspaceId: h.acme.workspaceId,
      environment: "sandbox",
      name: "",
      scopes: ["workflows:read", "everything"],
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(invalid.data.createApiKey.__typename).toBe("ValidationError");
    expect(invalid.data.createApiKey.issues).toEqual([
      { path: ["name"], message: "must be 1 to 100 characters" },
      { path: ["scopes", "1"], message: '"everything" is not a known scope' },
      { path: ["expiresAt"], message: "must be in the future" },
    ]);
    const foreign = await h.gql(admin, CREATE_KEY, {
      workspaceId: h.other.workspaceId,
      environment: "sandbox",
      name: "Sneaky",
      scopes: ["admin"],
    });
    expect(foreign.data.createApiKey).toEqual({
      __typename: "NotFoundError",
      resource: "Workspace",
      missingId: h.other.workspaceId,
    });
    expect((await h.gql(admin, API_KEYS, { workspaceId: h.other.workspaceId })).data.apiKeys.edges).toEqual(
      [],
    );
    const otherKeys = await h.gql(h.other.keys.sandbox, API_KEYS, { workspaceId: h.other.workspaceId });
    const otherKeyId = otherKeys.data.apiKeys.edges[0].node.id;
    expect((await h.gql(admin, REVOKE_KEY, { id: otherKeyId })).data.revokeApiKey).toEqual({
      __typename: "NotFoundError",
      resource: "ApiKey",
      missingId: otherKeyId,
    });
    expect((await h.gql(h.other.keys.sandbox, WHO_AM_I)).status).toBe(200);
  });

  test("never lets a sandbox key create or rotate a live key", async ({ harness: h }) => {
    const sandbox = h.acme.keys.sandbox;
    const refused = await h.gql(sandbox, CREATE_KEY, {
      workspaceId: h.acme.workspaceId,
      environment: "live",
      name: "Escalation",
      scopes: ["admin"],
    });
    expect(refused.data.createApiKey).toEqual({
      __typename: "LiveKeyFromSandboxError",
      code: "LIVE_KEY_FROM_SANDBOX",
      operation: "create",
      message: expect.stringContaining("A sandbox key cannot create a live key"),
    });
    const liveKeys = await h.gql(h.acme.keys.live, API_KEYS, {
      workspaceId: h.acme.workspaceId,
      environment: "live",
    });
    expect(liveKeys.data.apiKeys.edges.map((e: any) => e.node.name)).not.toContain("Escalation");
    const liveKeyId = liveKeys.data.apiKeys.edges[0].node.id;
    const rotation = await h.gql(sandbox, ROTATE_KEY, { id: liveKeyId });
    expect(rotation.data.rotateApiKey).toMatchObject({
      __typename: "LiveKeyFromSandboxError",
      operation: "rotate",
    });
    // The live key still works, and a live key may rotate it.
    expect((await h.gql(h.acme.keys.live, WHO_AM_I)).status).toBe(200);
    const made = await h.gql(h.acme.keys.live, CREATE_KEY, {
      workspaceId: h.acme.workspaceId,
      environment: "live",
      name: "Live made",
      scopes: ["workflows:read"],
    });
    expect(made.data.createApiKey.key).toMatch(/^fg_live_/);
    const rotated = await h.gql(h.acme.keys.live, ROTATE_KEY, { id: made.data.createApiKey.apiKey.id });
    expect(rotated.data.rotateApiKey.key).toMatch(/^fg_live_/);
  });

  test("rotates a key: the new value works, the old one stops at once or after the grace period", async ({
    harness: h,
  }) => {
    const admin = h.acme.keys.sandbox;
    const create = async (name: string) =>
      (
        await h.gql(admin, CREATE_KEY, {
          workspaceId: h.acme.workspaceId,
          environment: "sandbox",
          name,
          scopes: ["workflows:read"],
        })
      ).data.createApiKey;
    const first = await create("Rotate now");
    expect((await h.gql(first.key, WHO_AM_I)).status).toBe(200);
    const rotated = (await h.gql(admin, ROTATE_KEY, { id: first.apiKey.id })).data.rotateApiKey;
    expect(rotated.key).not.toBe(first.key);
    expect(rotated.apiKey).toMatchObject({
      name: "Rotate now",
      scopes: ["workflows:read"],
      status: "active",
    });
    expect((await h.gql(rotated.key, WHO_AM_I)).status).toBe(200);
    const old = await h.gql(first.key, WHO_AM_I);
    expect(old.status).toBe(401);
    expect(old.errors?.[0]?.extensions).toMatchObject({ reason: "revoked" });
    const again = await h.gql(admin, ROTATE_KEY, { id: first.apiKey.id });
    expect(again.data.rotateApiKey).toMatchObject({ __typename: "ConflictError", currentStatus: "revoked" });

    const second = await create("Rotate later");
    const graceful = (await h.gql(admin, ROTATE_KEY, { id: second.apiKey.id, graceSeconds: 600 })).data
      .rotateApiKey;
    expect((await h.gql(second.key, WHO_AM_I)).status).toBe(200);
    expect((await h.gql(graceful.key, WHO_AM_I)).status).toBe(200);
    const listed = await h.gql(admin, API_KEYS, { workspaceId: h.acme.workspaceId });
    const oldEntry = listed.data.apiKeys.edges.find((edge: any) => edge.node.id === second.apiKey.id).node;
    expect(oldEntry.status).toBe("active");
    expect(new Date(oldEntry.revokedAt).getTime()).toBeGreaterThan(Date.now() + 500_000);

    // Revoking ends the grace period at once.
    const revoked = (await h.gql(admin, REVOKE_KEY, { id: second.apiKey.id })).data.revokeApiKey;
    expect(revoked).toMatchObject({ id: second.apiKey.id, status: "revoked" });
    expect((await h.gql(second.key, WHO_AM_I)).status).toBe(401);
    const active = await h.gql(admin, API_KEYS, { workspaceId: h.acme.workspaceId });
    const activeIds = active.data.apiKeys.edges.map((edge: any) => edge.node.id);
    expect(activeIds).not.toContain(second.apiKey.id);
    expect(activeIds).toContain(graceful.apiKey.id);
    const all = await h.gql(admin, API_KEYS, { workspaceId: h.acme.workspaceId, includeInactive: true });
    expect(all.data.apiKeys.edges.map((edge: any) => edge.node.id)).toEqual(
      expect.arrayContaining([first.apiKey.id, second.apiKey.id]),
    );
  });

  test("refuses organization operations to keys without the admin scope", async ({ harness: h }) => {
    const limited = await provisionWorkspace(h.app, {
      organizationName: "Limited",
      workspaceName: "Limited",
      scopes: ["workflows:read", "workflows:write", "sessions:read", "sessions:write"],
    });
    const key = limited.keys.sandbox;
    for (const [query, variables] of [
      [`{ workspaces { edges { node { id } } } }`, {}],
      [`query ($id: ID!) { workspace(id: $id) { id } }`, { id: limited.workspaceId }],
      [CREATE_WORKSPACE, { name: "Nope" }],
      [UPDATE_WORKSPACE, { id: limited.workspaceId, name: "Nope" }],
      [
        CREATE_KEY,
        { workspaceId: limited.workspaceId, environment: "sandbox", name: "x", scopes: ["admin"] },
      ],
      [API_KEYS, { workspaceId: limited.workspaceId }],
    ] as const) {
      const response = await h.gql(key, query, variables);
      expect(response.errors?.[0]?.message, query).toMatch(/not authorized/i);
    }
  });
});
