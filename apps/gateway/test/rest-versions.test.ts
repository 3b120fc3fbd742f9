import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";
import { createWorkflowOverRest, expectError, quickGraph, rest } from "./rest-helpers.ts";

const CREATE_KEY = /* GraphQL */ `
  mutation ($workspaceId: ID!, $name: String!, $scopes: [String!]! = ["admin"]) {
    createApiKey(workspaceId: $workspaceId, environment: sandbox, name: $name, scopes: $scopes) {
      __typename
      ... on CreatedApiKey { key apiKey { id apiVersion } }
      ... on Error { message }
    }
  }
`;
const SET_VERSION = /* GraphQL */ `
  mutation ($id: ID!, $apiVersion: String!) {
    setApiKeyVersion(id: $id, apiVersion: $apiVersion) {
      __typename
      ... on ApiKey { id apiVersion }
      ... on ValidationError { issues { path message } }
    }
  }
`;

describe.each(testBackends())("Verifa-Version: keys pinned to a dated version (%s)", (backend) => {
  let h: Harness;
  let admin: string;
  let pinned: string;
  let pinnedId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    admin = h.acme.keys.sandbox;
    await createWorkflowOverRest(h, admin, quickGraph);
    const created = await h.gql(admin, CREATE_KEY, { workspaceId: h.acme.workspaceId, name: "old client" });
    expect(created.data.createApiKey.__typename).toBe("CreatedApiKey");
    pinned = created.data.createApiKey.key;
    pinnedId = created.data.createApiKey.apiKey.id;
    // A new key is pinned to the version current when it was created.
    expect(created.data.createApiKey.apiKey.apiVersion).toBe("2026-12-01");
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a key pinned to 2025-11-01 gets bare arrays; the header overrides the pin either way", async () => {
    const set = await h.gql(admin, SET_VERSION, { id: pinnedId, apiVersion: "2025-11-01" });
    expect(set.data.setApiKeyVersion).toMatchObject({ __typename: "ApiKey", apiVersion: "2025-11-01" });

    const old = await rest(h, pinned, "GET", "/api/v1/workflows");
    expect(old.status).toBe(200);
    expect(old.headers.get("verifa-version")).toBe("2025-11-01");
    expect(Array.isArray(old.body)).toBe(true);
    expect(old.body[0]).toMatchObject({ status: "active" });

    const overridden = await rest(h, pinned, "GET", "/api/v1/workflows", undefined, {
      "verifa-version": "2026-02-01",
    });
    expect(overridden.headers.get("verifa-version")).toBe("2026-02-01");
    expect(Object.keys(overridden.body).sort()).toEqual(["data", "has_more", "next_cursor"]);
    expect(overridden.body.data).toEqual(old.body);

    const current = await rest(h, admin, "GET", "/api/v1/workflows");
    expect(current.headers.get("verifa-version")).toBe("2026-12-01");
    expect(current.body.data).toEqual(old.body);
    const currentAsOld = await rest(h, admin, "GET", "/api/v1/workflows", undefined, {
      "verifa-version": "2025-11-01",
    });
    expect(currentAsOld.body).toEqual(old.body);
  });

  it("an unknown version is a 400; so is pinning a key to one", async () => {
    const unknown = await rest(h, admin, "GET", "/api/v1/workflows", undefined, {
      "verifa-version": "2024-01-01",
    });
    expectError(unknown, 400, "UNKNOWN_API_VERSION");
    expect(unknown.body.error.details.supported_versions).toEqual(["2025-11-01", "2026-02-01", "2026-12-01"]);
    const bad = await h.gql(admin, SET_VERSION, { id: pinnedId, apiVersion: "yesterday" });
    expect(bad.data.setApiKeyVersion.__typename).toBe("ValidationError");
    expect(bad.data.setApiKeyVersion.issues[0].path).toEqual(["apiVersion"]);
    // Another organization's key: not found.
    const foreign = await h.gql(h.other.keys.sandbox, SET_VERSION, {
      id: pinnedId,
      apiVersion: "2025-11-01",
    });
    expect(foreign.data.setApiKeyVersion.__typename).toBe("NotFoundError");
  });

  it("a key without the scope a use case needs gets 403 FORBIDDEN naming the scope", async () => {
    const created = await h.gql(admin, CREATE_KEY, {
      workspaceId: h.acme.workspaceId,
      name: "read only",
      scopes: ["sessions:read"],
    });
    const readOnly = created.data.createApiKey.key as string;
    expect((await rest(h, readOnly, "GET", "/api/v1/sessions")).status).toBe(200);
    const refused = await rest(h, readOnly, "POST", "/api/v1/sessions", {});
    expectError(refused, 403, "FORBIDDEN");
    expect(refused.body.error.details.required_scopes).toEqual(["sessions:write"]);
  });
});
