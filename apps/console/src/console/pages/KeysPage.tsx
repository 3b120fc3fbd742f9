import { graphql } from "@flowgate/client";
import { type FormEvent, useEffect, useState } from "react";
import { Link } from "wouter";
import { formatDateTime, useRequest } from "../../shared/use-request.ts";
import { client, keyEnvironment, problem, storedApiKey } from "../api.ts";
import { StatusBadge } from "../components/StatusBadge.tsx";

const Workspaces = graphql(`
  query Workspaces {
    workspaces(first: 100) {
      edges { node { id name createdAt settings { defaultLinkExpiryHours monthlyBudgetCents allowPrivateTaskUrls } } }
    }
  }
`);

const Keys = graphql(`
  query Keys($workspaceId: ID!) {
    apiKeys(workspaceId: $workspaceId, includeInactive: true, first: 100) {
      edges { node { id name prefix environment scopes status createdAt expiresAt lastUsedAt revokedAt } }
    }
  }
`);

const CreateKey = graphql(`
  mutation CreateKey($workspaceId: ID!, $environment: Environment!, $name: String!, $scopes: [String!]!, $expiresAt: DateTime) {
    createApiKey(workspaceId: $workspaceId, environment: $environment, name: $name, scopes: $scopes, expiresAt: $expiresAt) {
      __typename
      ... on CreatedApiKey { key apiKey { id prefix } }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const RotateKey = graphql(`
  mutation RotateKey($id: ID!, $graceSeconds: Int) {
    rotateApiKey(id: $id, graceSeconds: $graceSeconds) {
      __typename
      ... on CreatedApiKey { key apiKey { id prefix } }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const RevokeKey = graphql(`
  mutation RevokeKey($id: ID!) {
    revokeApiKey(id: $id) { __typename ... on ApiKey { status } ... on Error { message } }
  }
`);

const CreateWorkspace = graphql(`
  mutation CreateWorkspace($name: String!) {
    createWorkspace(name: $name) {
      __typename
      ... on Workspace { id }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

/** Scopes a key can have (DESIGN §2); `admin` manages workspaces and keys of the organization. */
const scopes = [
  "workflows:read",
  "workflows:write",
  "workflows:trigger",
  "sessions:read",
  "sessions:write",
  "responses:read",
  "responses:write",
  "questionnaires:read",
  "questionnaires:write",
  "credits:read",
  "entities:read",
  "entities:write",
  "webhooks:read",
  "webhooks:write",
  "admin",
];

/**
 * Workspaces of the organization and their API keys: create, rotate (with an overlap) and revoke. Needs a
 * key with the `admin` scope. A new key's value is shown once.
 */
export function KeysPage() {
  const workspaces = useRequest(() => client.request(Workspaces), []);
  const [workspaceId, setWorkspaceId] = useState<string | null>(null);
  const list = workspaces.data?.workspaces.edges.map((e) => e.node) ?? [];
  useEffect(() => {
    if (!workspaceId && list[0]) setWorkspaceId(list[0].id);
  }, [list, workspaceId]);
  const [newWorkspace, setNewWorkspace] = useState("");
  const [message, setMessage] = useState<string | null>(null);

  if (workspaces.error)
    return (
      <>
        <h1>Keys & workspaces</h1>
        <p className="error">{workspaces.error.message} (this page needs a key with the admin scope)</p>
      </>
    );
  if (!workspaces.data) return <p className="muted">Loading…</p>;

  async function addWorkspace(event: FormEvent) {
    event.preventDefault();
    const { createWorkspace: result } = await client.request(CreateWorkspace, { name: newWorkspace });
    if (result.__typename === "Workspace") {
      setNewWorkspace("");
      setMessage(null);
      await workspaces.reload();
      setWorkspaceId(result.id);
    } else setMessage(problem(result));
  }

  return (
    <>
      <div className="page-head">
        <h1>Keys & workspaces</h1>
        <label className="inline">
          Workspace
          <select value={workspaceId ?? ""} onChange={(e) => setWorkspaceId(e.target.value)}>
            {list.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name} ({w.id})
              </option>
            ))}
          </select>
        </label>
      </div>
      {workspaceId ? <WorkspaceKeys key={workspaceId} workspaceId={workspaceId} /> : null}
      <form className="panel" onSubmit={addWorkspace} aria-labelledby="new-workspace">
        <h2 id="new-workspace">New workspace</h2>
        <div className="row">
          <label htmlFor="workspace-name" className="visually-hidden">
            Workspace name
          </label>
          <input
            id="workspace-name"
            required
            value={newWorkspace}
            onChange={(e) => setNewWorkspace(e.target.value)}
            placeholder="Name"
          />
          <button type="submit">Create workspace</button>
        </div>
        {message ? <p className="error">{message}</p> : null}
      </form>
    </>
  );
}

function WorkspaceKeys({ workspaceId }: { workspaceId: string }) {
  const keys = useRequest(() => client.request(Keys, { workspaceId }), [workspaceId]);
  const own = keyEnvironment(storedApiKey());
  const [name, setName] = useState("");
  const [environment, setEnvironment] = useState<"sandbox" | "live">(own === "live" ? "live" : "sandbox");
  const [chosen, setChosen] = useState<string[]>(["workflows:read", "sessions:read"]);
  const [expiresAt, setExpiresAt] = useState("");
  const [grace, setGrace] = useState(3600);
  const [created, setCreated] = useState<{ key: string; prefix: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function create(event: FormEvent) {
    event.preventDefault();
    const { createApiKey: result } = await client.request(CreateKey, {
      workspaceId,
      environment,
      name,
      scopes: chosen,
      expiresAt: expiresAt ? new Date(`${expiresAt}T00:00:00Z`).toISOString() : null,
    });
    if (result.__typename === "CreatedApiKey") {
      setCreated({ key: result.key, prefix: result.apiKey.prefix });
      setError(null);
      setName("");
      await keys.reload();
    } else if (result.__typename === "ValidationError") {
      setError(result.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    } else setError(problem(result));
  }

  async function rotate(id: string) {
    const { rotateApiKey: result } = await client.request(RotateKey, { id, graceSeconds: grace });
    if (result.__typename === "CreatedApiKey") {
      setCreated({ key: result.key, prefix: result.apiKey.prefix });
      setError(null);
    } else
      setError(
        result.__typename === "ValidationError"
          ? result.issues.map((i) => i.message).join("; ")
          : problem(result),
      );
    await keys.reload();
  }

  async function revoke(id: string, label: string) {
    if (!window.confirm(`Revoke the key "${label}"? Requests with it fail at once.`)) return;
    const { revokeApiKey: result } = await client.request(RevokeKey, { id });
    setError(result.__typename === "ApiKey" ? null : problem(result));
    await keys.reload();
  }

  const rows = keys.data?.apiKeys.edges.map((e) => e.node) ?? [];
  return (
    <>
      {created ? (
        <div className="notice" role="status">
          New key (shown once, copy it now): <code className="created-key">{created.key}</code>
        </div>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <section className="panel" aria-labelledby="keys-title">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 id="keys-title">API keys</h2>
          <label className="inline">
            Overlap on rotate (seconds)
            <input
              type="number"
              min={0}
              max={604800}
              value={grace}
              onChange={(e) => setGrace(Number(e.target.value))}
              style={{ width: "7rem" }}
            />
          </label>
        </div>
        {keys.error ? <p className="error">{keys.error.message}</p> : null}
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Prefix</th>
                <th>Env</th>
                <th>Scopes</th>
                <th>Status</th>
                <th>Last used</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}</code>
                  </td>
                  <td>{k.environment}</td>
                  <td className="small">{k.scopes.join(", ")}</td>
                  <td>
                    <StatusBadge status={k.status} />
                    {k.expiresAt ? (
                      <div className="muted small">expires {formatDateTime(k.expiresAt)}</div>
                    ) : null}
                  </td>
                  <td className="small">{formatDateTime(k.lastUsedAt)}</td>
                  <td>
                    {k.status === "active" ? (
                      <div className="row">
                        <button type="button" className="secondary" onClick={() => rotate(k.id)}>
                          Rotate
                        </button>
                        <button type="button" className="danger" onClick={() => revoke(k.id, k.name)}>
                          Revoke
                        </button>
                      </div>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <form className="panel" onSubmit={create} aria-labelledby="new-key-title">
        <h2 id="new-key-title">New key</h2>
        <div className="grid-2">
          <div>
            <label htmlFor="key-name">Name</label>
            <input id="key-name" required value={name} onChange={(e) => setName(e.target.value)} />
            <label htmlFor="key-env">Environment</label>
            <select
              id="key-env"
              value={environment}
              onChange={(e) => setEnvironment(e.target.value as "sandbox" | "live")}
            >
              <option value="sandbox">sandbox</option>
              <option value="live">live</option>
            </select>
            <label htmlFor="key-expiry">Expires (optional)</label>
            <input
              id="key-expiry"
              type="date"
              value={expiresAt}
              onChange={(e) => setExpiresAt(e.target.value)}
            />
          </div>
          <fieldset>
            <legend>Scopes</legend>
            {scopes.map((scope) => (
              <label key={scope} className="inline">
                <input
                  type="checkbox"
                  checked={chosen.includes(scope)}
                  onChange={(e) =>
                    setChosen(e.target.checked ? [...chosen, scope] : chosen.filter((s) => s !== scope))
                  }
                />
                {scope}
              </label>
            ))}
          </fieldset>
        </div>
        <p>
          <button type="submit">Create key</button>
        </p>
      </form>
      <p className="muted">
        Webhook endpoints and their deliveries are on the <Link href="/webhooks">Webhooks</Link> page.
      </p>
    </>
  );
}
