import { provisionWorkspace } from "@flowgate/application";
import { testBackends } from "@flowgate/db/testing";
import { describe, expect } from "vitest";
import { test } from "./harness-test.ts";

const VIEWER = /* GraphQL */ `
  query {
    viewer {
      apiKey { id name prefix scopes environment expiresAt createdAt }
      workspace { id name organizationId }
      environment
    }
  }
`;

const KEYS = /* GraphQL */ `
  query ($workspaceId: ID!, $environment: Environment) {
    apiKeys(workspaceId: $workspaceId, environment: $environment) { edges { node { id prefix } } }
  }
`;

describe.each(testBackends())("viewer (%s)", (backend) => {
  test.override({ backend });

  test("answers the calling key, its workspace and environment, for each environment's key", async ({
    harness: h,
  }) => {
    for (const environment of ["sandbox", "live"] as const) {
      const key = h.acme.keys[environment];
      const { status, data, errors } = await h.gql(key, VIEWER);
      expect(status).toBe(200);
      expect(errors).toBeUndefined();
      expect(data.viewer).toMatchObject({
        apiKey: { name: `${environment} key`, prefix: key.slice(0, 16), environment, expiresAt: null },
        workspace: { id: h.acme.workspaceId, name: "KYC", organizationId: h.acme.organizationId },
        environment,
      });
      expect(data.viewer.apiKey.scopes).toContain("admin");
      // The id is the key's own: the admin listing of the workspace's keys has it with the same prefix.
      const listed = await h.gql(key, KEYS, { workspaceId: h.acme.workspaceId, environment });
      expect(listed.data.apiKeys.edges.map((edge: any) => edge.node)).toContainEqual({
        id: data.viewer.apiKey.id,
        prefix: key.slice(0, 16),
      });
    }
  });

  test("needs no scope: a key with one read scope sees itself and nothing of other keys", async ({
    harness: h,
  }) => {
    const limited = await provisionWorkspace(h.app, {
      organizationName: "Limited",
      workspaceName: "Read only",
      scopes: ["sessions:read"],
    });
    const { data, errors } = await h.gql(limited.keys.live, VIEWER);
    expect(errors).toBeUndefined();
    expect(data.viewer).toMatchObject({
      apiKey: { scopes: ["sessions:read"], environment: "live", prefix: limited.keys.live.slice(0, 16) },
      workspace: { id: limited.workspaceId, name: "Read only" },
      environment: "live",
    });
    const refused = await h.gql(limited.keys.live, KEYS, { workspaceId: limited.workspaceId });
    expect(refused.errors?.[0]?.message).toMatch(/not authorized/i);
  });

  test("keeps each workspace to its own viewer", async ({ harness: h }) => {
    const acme = (await h.gql(h.acme.keys.sandbox, VIEWER)).data.viewer;
    const other = (await h.gql(h.other.keys.sandbox, VIEWER)).data.viewer;
    expect(other.workspace).toMatchObject({ id: h.other.workspaceId, name: "Other" });
    expect(other.apiKey.id).not.toBe(acme.apiKey.id);
    expect(other.workspace.organizationId).not.toBe(acme.workspace.organizationId);
  });

  test("refuses a request without a key with 401, as every other field", async ({ harness: h }) => {
    const { status, data, errors } = await h.gql(null, VIEWER);
    expect(status).toBe(401);
    expect(data).toBeUndefined();
    expect(errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "missing" });
  });
});
