import { graphql, type ResultOf, readFragment } from "@flowgate/client";
import { type FormEvent, useState } from "react";
import { Link } from "wouter";
import { formatDateTime, useRequest } from "../../shared/use-request.ts";
import { client, problem } from "../api.ts";
import { SecretOnce } from "../components/SecretOnce.tsx";
import { statusBadge } from "../components/status.ts";
import { Table } from "../components/Table.tsx";

/** The fields of an endpoint every webhook screen shows. */
export const EndpointFields = graphql(`
  fragment EndpointFields on WebhookEndpoint {
    id url description events status consecutiveFailures disabledAt disabledReason
    previousSecretExpiresAt environment createdAt updatedAt
  }
`);

const Endpoints = graphql(
  `
  query WebhookEndpoints($after: String) {
    webhookEndpoints(first: 50, after: $after) {
      edges { node { ...EndpointFields } }
      pageInfo { endCursor hasNextPage }
    }
  }
`,
  [EndpointFields],
);

const CreateEndpoint = graphql(`
  mutation CreateWebhookEndpoint($url: String!, $events: [String!]!, $description: String) {
    createWebhookEndpoint(url: $url, events: $events, description: $description) {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { id url } }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

/** Splits "a, b c" into event types; empty means every type (`*`). */
export function parseEvents(text: string): string[] {
  const events = text
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  return events.length ? events : ["*"];
}

/** "path: message; …" of a ValidationError, or the message of any other error. */
export function describeProblem(result: {
  __typename: string;
  message?: string;
  issues?: readonly { path: readonly string[]; message: string }[];
}): string {
  if (result.issues?.length) return result.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  return problem(result);
}

type EndpointRow = ResultOf<typeof EndpointFields>;

/**
 * Webhook endpoints of the key's workspace and environment: the list with status and failures, and a form
 * that creates one (its signing secret is shown once, with a copy button). Each endpoint's page manages it
 * and lists its deliveries. Needs `webhooks:read` (and `webhooks:write` to change anything).
 */
export function WebhooksPage() {
  const endpoints = useRequest(() => client.request(Endpoints, {}), []);
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState("");
  const [description, setDescription] = useState("");
  const [created, setCreated] = useState<{ id: string; url: string; secret: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const { createWebhookEndpoint: result } = await client.request(CreateEndpoint, {
        url: url.trim(),
        events: parseEvents(events),
        description: description.trim() || null,
      });
      if (result.__typename === "WebhookEndpointWithSecret") {
        setCreated({ id: result.endpoint.id, url: result.endpoint.url, secret: result.secret });
        setError(null);
        setUrl("");
        setEvents("");
        setDescription("");
        await endpoints.reload();
      } else setError(describeProblem(result));
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  }

  const rows: EndpointRow[] =
    endpoints.data?.webhookEndpoints.edges.map((e) => readFragment(EndpointFields, e.node)) ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Webhooks</h1>
      </div>
      {created ? (
        <SecretOnce
          label={`Signing secret of ${created.url}`}
          secret={created.secret}
          onDismiss={() => setCreated(null)}
        >
          <Link href={`/webhooks/${created.id}`}>Open the endpoint</Link>
        </SecretOnce>
      ) : null}
      <section className="panel" aria-labelledby="endpoints-title" aria-busy={endpoints.loading}>
        <h2 id="endpoints-title">Endpoints</h2>
        {endpoints.error ? (
          <p className="error">{endpoints.error.message} (this page needs the webhooks:read scope)</p>
        ) : null}
        {endpoints.data && rows.length === 0 ? <p className="muted">No endpoint yet.</p> : null}
        {rows.length ? (
          <Table columns={["URL", "Events", "Status", "Failures in a row", "Created"]}>
            {rows.map((endpoint) => (
              <tr key={endpoint.id} data-endpoint-id={endpoint.id}>
                <td className="wrap-anywhere">
                  <Link href={`/webhooks/${endpoint.id}`}>{endpoint.url}</Link>
                  {endpoint.description ? <div className="muted small">{endpoint.description}</div> : null}
                </td>
                <td className="small">{endpoint.events.join(", ")}</td>
                <td>
                  <span className={`badge ${endpointBadge(endpoint.status)}`}>{endpoint.status}</span>
                  {endpoint.disabledReason ? (
                    <div className="muted small">{endpoint.disabledReason}</div>
                  ) : null}
                </td>
                <td>{endpoint.consecutiveFailures}</td>
                <td className="small">{formatDateTime(endpoint.createdAt)}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </section>
      <form className="panel" onSubmit={create} aria-labelledby="new-endpoint-title">
        <h2 id="new-endpoint-title">New endpoint</h2>
        <label htmlFor="endpoint-url">URL</label>
        <input
          id="endpoint-url"
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://example.com/hooks/flowgate"
          className="wide"
        />
        <label htmlFor="endpoint-events">Events (comma-separated; empty for every type)</label>
        <input
          id="endpoint-events"
          value={events}
          onChange={(e) => setEvents(e.target.value)}
          placeholder="session.completed, session.failed"
          className="wide"
        />
        <label htmlFor="endpoint-description">Description (optional)</label>
        <input
          id="endpoint-description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          className="wide"
        />
        {error ? (
          <p className="error" role="alert">
            {error}
          </p>
        ) : null}
        <p>
          <button type="submit" disabled={busy}>
            Create endpoint
          </button>
        </p>
      </form>
    </>
  );
}

/** The badge colour of an endpoint's status. */
export function endpointBadge(status: string): string {
  return status === "enabled" ? "ok" : status === "disabled" ? "bad" : statusBadge(status);
}
