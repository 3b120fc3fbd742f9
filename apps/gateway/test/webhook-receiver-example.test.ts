import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type Harness, startHarness } from "./harness.ts";
import { freePort } from "./servers.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The receiver example of a page: its only `js` block. */
function receiverExample(page: string): string {
  const blocks = [...readFileSync(`${root}${page}`, "utf8").matchAll(/^```js\n([\s\S]*?)^```/gm)];
  expect(blocks, `${page} has one js block`).toHaveLength(1);
  return blocks[0]?.[1] ?? "";
}

const CREATE_ENDPOINT = /* GraphQL */ `
  mutation ($url: String!) {
    createWebhookEndpoint(url: $url, events: ["*"], description: "README receiver") {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { id } }
      ... on Error { message }
    }
  }
`;

const SEND_TEST = /* GraphQL */ `
  mutation ($endpointId: ID!) {
    sendTestWebhook(endpointId: $endpointId) { __typename ... on WebhookDelivery { id eventId } ... on Error { message } }
  }
`;

const DELIVERY = /* GraphQL */ `
  query ($id: ID!) {
    webhookEndpoint(id: $id) { deliveries(first: 10) { edges { node { id status attempts { statusCode } } } } }
  }
`;

const SET_WORKSPACE = /* GraphQL */ `
  mutation ($id: ID!, $settings: WorkspaceSettingsInput!) {
    updateWorkspace(id: $id, settings: $settings) { __typename ... on Error { message } }
  }
`;

describe("the README's webhook receiver, run as written", () => {
  it("is the same example in the README and in docs/webhooks.md", () => {
    expect(receiverExample("README.md")).toBe(receiverExample("docs/webhooks.md"));
  });
});

describe.each(testBackends())("the README's webhook receiver against a real delivery (%s)", (backend) => {
  let h: Harness;
  let receiver: ChildProcess | undefined;
  const dir = `${root}apps/gateway/test-output/receiver-example-${process.pid}-${backend}`;

  beforeAll(async () => {
    h = await startHarness(backend, { env: { FLOWGATE_WEBHOOK_RETRY_BASE_MS: "50" } });
    const set = await h.gql(h.acme.keys.sandbox, SET_WORKSPACE, {
      id: h.acme.workspaceId,
      settings: { allowPrivateTaskUrls: true },
    });
    expect(set.data.updateWorkspace.__typename).toBe("Workspace");
  });
  afterAll(async () => {
    receiver?.kill();
    rmSync(dir, { recursive: true, force: true });
    await h?.close();
  });

  it("verifies a signed test event, prints its webhook-id and refuses a forged one", async () => {
    const key = h.acme.keys.sandbox;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const created = await h.gql(key, CREATE_ENDPOINT, { url });
    expect(created.data.createWebhookEndpoint.__typename).toBe("WebhookEndpointWithSecret");
    const { secret, endpoint } = created.data.createWebhookEndpoint;

    // The block as the README prints it, in a file of its own next to the gateway's node_modules.
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/receiver.mjs`, receiverExample("README.md"));
    let output = "";
    receiver = spawn(process.execPath, [`${dir}/receiver.mjs`], {
      env: { ...process.env, FLOWGATE_WEBHOOK_SECRET: secret, PORT: String(port) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    receiver.stdout?.on("data", (chunk) => {
      output += String(chunk);
    });
    await eventually(async () => {
      try {
        return (await fetch(url, { method: "POST", body: "{}" })).status === 400;
      } catch {
        return false;
      }
    });

    const sent = await h.gql(key, SEND_TEST, { endpointId: endpoint.id });
    expect(sent.data.sendTestWebhook.__typename).toBe("WebhookDelivery");
    const { id: deliveryId, eventId } = sent.data.sendTestWebhook;
    const delivery = await eventually(async () => {
      const listed = await h.gql(key, DELIVERY, { id: endpoint.id });
      const found = listed.data.webhookEndpoint.deliveries.edges
        .map((e: { node: { id: string; status: string } }) => e.node)
        .find((d: { id: string }) => d.id === deliveryId);
      return found?.status === "succeeded" ? found : null;
    });
    // The receiver verified the signature (204, not 400) and printed the id, type and data id.
    expect(delivery.attempts).toEqual([{ statusCode: 204 }]);
    await eventually(async () => output.includes("ping"));
    expect(output.trim().split(" ").slice(0, 2)).toEqual([eventId, "ping"]);

    // A body whose signature does not match is refused.
    const forged = await fetch(url, {
      method: "POST",
      headers: {
        "webhook-id": "msg_forged",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
      },
      body: JSON.stringify({ type: "ping", data: { id: "x" } }),
    });
    expect(forged.status).toBe(400);
  });
});
