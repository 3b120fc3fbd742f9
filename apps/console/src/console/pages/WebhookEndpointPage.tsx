import { graphql, type ResultOf, readFragment } from "@flowgate/client";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { formatDateTime, pretty, useRequest } from "../../shared/use-request.ts";
import { client } from "../api.ts";
import { SecretOnce } from "../components/SecretOnce.tsx";
import { statusBadge } from "../components/status.ts";
import { Table } from "../components/Table.tsx";
import { describeProblem, EndpointFields, endpointBadge, parseEvents } from "./WebhooksPage.tsx";

const DeliveryFields = graphql(`
  fragment DeliveryFields on WebhookDelivery {
    id eventId eventType status attemptCount lastStatusCode createdAt deliveredAt nextAttemptAt sessionId payload
    attempts { attempt startedAt statusCode durationMs error nextAttemptAt responseBody }
  }
`);

const Endpoint = graphql(
  `
  query WebhookEndpoint($id: ID!, $after: String) {
    webhookEndpoint(id: $id) {
      ...EndpointFields
      deliveries(first: 25, after: $after) {
        edges { node { ...DeliveryFields } }
        pageInfo { endCursor hasNextPage }
      }
    }
  }
`,
  [EndpointFields, DeliveryFields],
);

const SetEnabled = graphql(`
  mutation SetWebhookEndpointEnabled($id: ID!, $enable: Boolean!) {
    enable: enableWebhookEndpoint(id: $id) @include(if: $enable) {
      __typename
      ... on WebhookEndpoint { id status }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
    disable: disableWebhookEndpoint(id: $id) @skip(if: $enable) {
      __typename
      ... on WebhookEndpoint { id status }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const UpdateEndpoint = graphql(`
  mutation UpdateWebhookEndpoint($id: ID!, $url: String, $events: [String!], $description: String) {
    updateWebhookEndpoint(id: $id, url: $url, events: $events, description: $description) {
      __typename
      ... on WebhookEndpoint { id }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const RotateSecret = graphql(`
  mutation RotateWebhookSecret($endpointId: ID!, $overlapSeconds: Int) {
    rotateWebhookSecret(endpointId: $endpointId, overlapSeconds: $overlapSeconds) {
      __typename
      ... on WebhookEndpointWithSecret { secret endpoint { id previousSecretExpiresAt } }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const DeleteEndpoint = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id) {
      __typename
      ... on WebhookEndpoint { id }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const SendTest = graphql(`
  mutation SendTestWebhook($endpointId: ID!) {
    sendTestWebhook(endpointId: $endpointId) {
      __typename
      ... on WebhookDelivery { id }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const Redeliver = graphql(`
  mutation RedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      __typename
      ... on WebhookDelivery { id }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

/** How often the deliveries are read again while the page is open (new events, retries). */
const refreshMs = 3_000;

/**
 * One webhook endpoint: its settings (edit URL, events, description), enable/disable, rotate the signing
 * secret (the new one shown once, the old one signing too during an optional overlap), send a test
 * `ping`, delete; and its deliveries, newest first, each with its status and attempts, and "Redeliver".
 * The deliveries refresh every few seconds while the tab is visible.
 */
export function WebhookEndpointPage({ endpointId }: { endpointId: string }) {
  const [, navigate] = useLocation();
  const [pages, setPages] = useState(1);
  const detail = useRequest(() => client.request(Endpoint, { id: endpointId }), [endpointId]);
  const [older, setOlder] = useState<{ cursor: string | null; more: boolean; rows: DeliveryRow[] }>({
    cursor: null,
    more: false,
    rows: [],
  });
  const [secret, setSecret] = useState<string | null>(null);
  const [overlap, setOverlap] = useState(0);
  const [message, setMessage] = useState<{ kind: "error" | "notice"; text: string } | null>(null);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void detail.reload();
    }, refreshMs);
    return () => clearInterval(timer);
  }, [detail.reload]);

  const raw = detail.data?.webhookEndpoint;
  if (detail.error) return <p className="error">{detail.error.message}</p>;
  if (!detail.data) return <p className="muted">Loading…</p>;
  if (!raw)
    return (
      <>
        <h1>Endpoint not found</h1>
        <p>
          There is no endpoint {endpointId} in this workspace and environment.{" "}
          <Link href="/webhooks">Back to the webhooks</Link>.
        </p>
      </>
    );
  const endpoint = readFragment(EndpointFields, raw);
  const firstPage = raw.deliveries.edges.map((e) => readFragment(DeliveryFields, e.node));
  const deliveries =
    pages > 1
      ? [...firstPage, ...older.rows.filter((r) => !firstPage.some((f) => f.id === r.id))]
      : firstPage;
  const hasMore = pages > 1 ? older.more : raw.deliveries.pageInfo.hasNextPage;

  /** Runs a mutation, shows its problem or `done`, and reads the endpoint again. */
  async function act(
    run: () => Promise<
      | {
          __typename: string;
          message?: string;
          issues?: readonly { path: readonly string[]; message: string }[];
        }
      | null
      | undefined
    >,
    done: string,
  ): Promise<boolean> {
    setBusy(true);
    try {
      const result = await run();
      if (result && "message" in result && result.message !== undefined) {
        setMessage({ kind: "error", text: describeProblem(result) });
        return false;
      }
      setMessage({ kind: "notice", text: done });
      await detail.reload();
      return true;
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function loadOlder() {
    const after = pages > 1 ? older.cursor : (raw?.deliveries.pageInfo.endCursor ?? null);
    const next = (await client.request(Endpoint, { id: endpointId, after })).webhookEndpoint;
    if (!next) return;
    const rows = next.deliveries.edges.map((e) => readFragment(DeliveryFields, e.node));
    setOlder((previous) => ({
      cursor: next.deliveries.pageInfo.endCursor ?? null,
      more: next.deliveries.pageInfo.hasNextPage,
      rows: [...previous.rows, ...rows],
    }));
    setPages((n) => n + 1);
  }

  async function rotate() {
    setBusy(true);
    try {
      const { rotateWebhookSecret: result } = await client.request(RotateSecret, {
        endpointId,
        overlapSeconds: overlap,
      });
      if (result.__typename === "WebhookEndpointWithSecret") {
        setSecret(result.secret);
        setMessage({
          kind: "notice",
          text: result.endpoint.previousSecretExpiresAt
            ? `Secret rotated; the previous one also signs until ${formatDateTime(result.endpoint.previousSecretExpiresAt)}.`
            : "Secret rotated; the previous one no longer signs.",
        });
        await detail.reload();
      } else setMessage({ kind: "error", text: describeProblem(result) });
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!window.confirm(`Delete the endpoint ${endpoint.url} with its deliveries?`)) return;
    const ok = await act(
      async () => (await client.request(DeleteEndpoint, { id: endpointId })).deleteWebhookEndpoint,
      "Endpoint deleted.",
    );
    if (ok) navigate("/webhooks");
  }

  const enabled = endpoint.status === "enabled";
  return (
    <>
      <p className="small">
        <Link href="/webhooks">← Webhooks</Link>
      </p>
      <div className="page-head">
        <h1 className="wrap-anywhere">
          Endpoint{" "}
          <span className={`badge ${endpointBadge(endpoint.status)}`} data-testid="endpoint-status">
            {endpoint.status}
          </span>
        </h1>
        <div className="row">
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() =>
              act(
                async () => {
                  const result = await client.request(SetEnabled, { id: endpointId, enable: !enabled });
                  return result.enable ?? result.disable;
                },
                enabled ? "Endpoint disabled: nothing is delivered to it." : "Endpoint enabled.",
              )
            }
          >
            {enabled ? "Disable" : "Enable"}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() =>
              act(
                async () => (await client.request(SendTest, { endpointId })).sendTestWebhook,
                "A ping event is on its way.",
              )
            }
          >
            Send test event
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => setEditing((e) => !e)}>
            {editing ? "Close editor" : "Edit"}
          </button>
          <button type="button" className="danger" disabled={busy} onClick={remove}>
            Delete
          </button>
        </div>
      </div>
      {message ? (
        <p className={message.kind} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      ) : null}
      {secret ? (
        <SecretOnce label="New signing secret" secret={secret} onDismiss={() => setSecret(null)} />
      ) : null}
      <div className="two-col">
        <section className="panel" aria-labelledby="endpoint-facts">
          <h2 id="endpoint-facts">Settings</h2>
          {editing ? (
            <EndpointEditor
              endpoint={endpoint}
              onSave={async (change) => {
                const ok = await act(
                  async () =>
                    (await client.request(UpdateEndpoint, { id: endpointId, ...change }))
                      .updateWebhookEndpoint,
                  "Endpoint saved.",
                );
                if (ok) setEditing(false);
              }}
            />
          ) : (
            <dl className="facts">
              <dt>URL</dt>
              <dd data-testid="endpoint-url">{endpoint.url}</dd>
              <dt>Events</dt>
              <dd>{endpoint.events.join(", ")}</dd>
              <dt>Description</dt>
              <dd>{endpoint.description ?? "—"}</dd>
              <dt>Environment</dt>
              <dd>{endpoint.environment}</dd>
              <dt>Failures in a row</dt>
              <dd>{endpoint.consecutiveFailures}</dd>
              {endpoint.disabledAt ? (
                <>
                  <dt>Disabled</dt>
                  <dd>
                    {formatDateTime(endpoint.disabledAt)}
                    {endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ""}
                  </dd>
                </>
              ) : null}
              {endpoint.previousSecretExpiresAt ? (
                <>
                  <dt>Previous secret signs until</dt>
                  <dd>{formatDateTime(endpoint.previousSecretExpiresAt)}</dd>
                </>
              ) : null}
              <dt>Created</dt>
              <dd>{formatDateTime(endpoint.createdAt)}</dd>
            </dl>
          )}
        </section>
        <section className="panel" aria-labelledby="rotate-title">
          <h2 id="rotate-title">Signing secret</h2>
          <p className="muted small">
            The secret is shown only when it is created or rotated. During the overlap, deliveries carry
            signatures by both the previous and the new secret.
          </p>
          <label htmlFor="rotate-overlap">Overlap (seconds, 0 – 604800)</label>
          <input
            id="rotate-overlap"
            type="number"
            min={0}
            max={604800}
            value={overlap}
            onChange={(e) => setOverlap(Number(e.target.value))}
          />
          <p>
            <button type="button" disabled={busy} onClick={rotate}>
              Rotate secret
            </button>
          </p>
        </section>
      </div>
      <section className="panel" aria-labelledby="deliveries-title" aria-busy={detail.loading}>
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 id="deliveries-title">Deliveries</h2>
          <button type="button" className="secondary" onClick={() => detail.reload()}>
            Refresh
          </button>
        </div>
        {deliveries.length === 0 ? <p className="muted">No delivery yet.</p> : null}
        {deliveries.map((delivery) => (
          <Delivery
            key={delivery.id}
            delivery={delivery}
            busy={busy}
            onRedeliver={() =>
              act(
                async () => (await client.request(Redeliver, { deliveryId: delivery.id })).redeliverWebhook,
                `Redelivering ${delivery.eventType} (same webhook-id ${delivery.eventId}).`,
              )
            }
          />
        ))}
        {hasMore ? (
          <p>
            <button type="button" className="secondary" onClick={loadOlder}>
              Older deliveries
            </button>
          </p>
        ) : null}
      </section>
    </>
  );
}

type DeliveryRow = ResultOf<typeof DeliveryFields>;

/** One delivery: a summary line, and its attempts and payload behind a disclosure. */
function Delivery({
  delivery,
  busy,
  onRedeliver,
}: {
  delivery: DeliveryRow;
  busy: boolean;
  onRedeliver(): void;
}) {
  return (
    <details
      className="check delivery"
      data-delivery-id={delivery.id}
      data-event-type={delivery.eventType}
      data-status={delivery.status}
      data-attempts={delivery.attemptCount}
    >
      <summary>
        <strong>{delivery.eventType}</strong>{" "}
        <span
          className={`badge ${statusBadge(delivery.status === "succeeded" ? "completed" : delivery.status)}`}
        >
          {delivery.status}
        </span>{" "}
        <span className="small">
          {delivery.attemptCount} attempt{delivery.attemptCount === 1 ? "" : "s"}
          {delivery.lastStatusCode !== null ? ` · HTTP ${delivery.lastStatusCode}` : ""} ·{" "}
          {formatDateTime(delivery.createdAt)}
        </span>
      </summary>
      <dl className="facts small">
        <dt>Delivery</dt>
        <dd>
          <code>{delivery.id}</code>
        </dd>
        <dt>webhook-id</dt>
        <dd>
          <code>{delivery.eventId}</code>
        </dd>
        {delivery.sessionId ? (
          <>
            <dt>Session</dt>
            <dd>
              <Link href={`/sessions/${delivery.sessionId}`}>{delivery.sessionId}</Link>
            </dd>
          </>
        ) : null}
        <dt>Delivered</dt>
        <dd>{formatDateTime(delivery.deliveredAt)}</dd>
        {delivery.nextAttemptAt ? (
          <>
            <dt>Next attempt</dt>
            <dd>{formatDateTime(delivery.nextAttemptAt)}</dd>
          </>
        ) : null}
      </dl>
      <Table columns={["#", "Sent", "HTTP", "Took", "Error"]} aria-label={`Attempts of ${delivery.id}`}>
        {delivery.attempts.map((attempt) => (
          <tr key={attempt.attempt} data-attempt={attempt.attempt}>
            <td>{attempt.attempt}</td>
            <td className="small">{formatDateTime(attempt.startedAt)}</td>
            <td>{attempt.statusCode ?? "—"}</td>
            <td>{attempt.durationMs} ms</td>
            <td className="small wrap-anywhere">{attempt.error ?? "—"}</td>
          </tr>
        ))}
      </Table>
      <details>
        <summary className="small">Payload</summary>
        <pre>{pretty(delivery.payload)}</pre>
      </details>
      <p>
        <button type="button" className="secondary" disabled={busy} onClick={onRedeliver}>
          Redeliver
        </button>
      </p>
    </details>
  );
}

/** Edits an endpoint's URL, events and description. */
function EndpointEditor({
  endpoint,
  onSave,
}: {
  endpoint: { url: string; events: readonly string[]; description: string | null };
  onSave(change: { url: string; events: string[]; description: string | null }): Promise<void>;
}) {
  const [url, setUrl] = useState(endpoint.url);
  const [events, setEvents] = useState(endpoint.events.join(", "));
  const [description, setDescription] = useState(endpoint.description ?? "");
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        void onSave({
          url: url.trim(),
          events: parseEvents(events),
          description: description.trim() || null,
        });
      }}
    >
      <label htmlFor="edit-url">URL</label>
      <input
        id="edit-url"
        type="url"
        required
        value={url}
        onChange={(e) => setUrl(e.target.value)}
        className="wide"
      />
      <label htmlFor="edit-events">Events</label>
      <input id="edit-events" value={events} onChange={(e) => setEvents(e.target.value)} className="wide" />
      <label htmlFor="edit-description">Description</label>
      <input
        id="edit-description"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        className="wide"
      />
      <p>
        <button type="submit">Save</button>
      </p>
    </form>
  );
}
