import { expect } from "vitest";
import { eventually, type Harness } from "./harness.ts";

/** The fields of an autofill job the tests read. */
export const AUTOFILL_JOB_FIELDS = /* GraphQL */ `
  id status responseId provider deterministic filledCount error attempts requestedBy createdAt startedAt finishedAt
  filled { questionId value source { kind provider deterministic field documentId responseId questionId page passage confidence note } }
`;

/** `autofillResponse` as a client calls it: answers at once with the job. */
export const AUTOFILL = /* GraphQL */ `
  mutation ($responseId: ID!, $waitSeconds: Int) {
    autofillResponse(responseId: $responseId, waitSeconds: $waitSeconds) {
      __typename
      ... on AutofillJob { ${AUTOFILL_JOB_FIELDS} }
      ... on ConflictError { message currentStatus }
      ... on NotFoundError { message }
      ... on ValidationError { message issues { path message } }
    }
  }
`;

/** One autofill job. */
export const AUTOFILL_JOB = /* GraphQL */ `
  query ($id: ID!) { autofillJob(id: $id) { ${AUTOFILL_JOB_FIELDS} } }
`;

/** Polls `autofillJob(id)` until it is SUCCEEDED or FAILED, and returns it. */
export async function pollAutofillJob(h: Harness, key: string, id: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const job = (await h.gql(key, AUTOFILL_JOB, { id })).data.autofillJob;
    return job.status === "SUCCEEDED" || job.status === "FAILED" ? job : null;
  }, timeoutMs);
}

/** Asks for autofill of a response (the job answers at once, QUEUED) and polls it until it finished. */
export async function autofillAndWait(h: Harness, key: string, responseId: string) {
  const queued = (await h.gql(key, AUTOFILL, { responseId })).data.autofillResponse;
  expect(queued, JSON.stringify(queued)).toMatchObject({ __typename: "AutofillJob", responseId });
  expect(queued.id).toMatch(/^afj_/);
  return pollAutofillJob(h, key, queued.id);
}

/** Lets the workspace of `key` reach webhook receivers on 127.0.0.1 (as in development). */
export async function allowPrivateUrls(h: Harness, workspaceId: string, key: string): Promise<void> {
  const set = await h.gql(
    key,
    `mutation ($id: ID!, $settings: WorkspaceSettingsInput!) {
      updateWorkspace(id: $id, settings: $settings) { __typename ... on Error { message } }
    }`,
    { id: workspaceId, settings: { allowPrivateTaskUrls: true } },
  );
  expect(set.data.updateWorkspace.__typename).toBe("Workspace");
}

/** Creates a webhook endpoint for `events` through GraphQL; returns its signing secret and id. */
export async function createEndpoint(h: Harness, key: string, url: string, events: string[]) {
  const created = await h.gql(
    key,
    `mutation ($url: String!, $events: [String!]!) {
      createWebhookEndpoint(url: $url, events: $events) {
        __typename ... on WebhookEndpointWithSecret { secret endpoint { id } } ... on Error { message }
      }
    }`,
    { url, events },
  );
  expect(created.data.createWebhookEndpoint.__typename).toBe("WebhookEndpointWithSecret");
  return created.data.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
}
