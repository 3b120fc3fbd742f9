import { graphql, type ResultOf } from "@flowgate/client";
import { type FormEvent, useState } from "react";
import { Link, useLocation } from "wouter";
import { formatDateTime, pretty, useRequest } from "../../shared/use-request.ts";
import { client, problem } from "../api.ts";
import { DryRunPanel } from "../components/DryRunPanel.tsx";
import { RunGraph } from "../components/RunGraph.tsx";
import { exampleSandbox } from "../example-graph.ts";
import { asGraph } from "../graph-model.ts";

const WorkflowDetail = graphql(`
  query WorkflowDetail($id: ID!) {
    workflow(id: $id) {
      id name description status isDefault currentVersion createdAt updatedAt metadata
      versions { version isCurrent publishedAt publishedBy graph }
      draft { id valid baseVersion updatedAt }
      rollout { custom entries { version percentage } }
    }
  }
`);

const CreateDraft = graphql(`
  mutation CreateDraft($workflowId: ID!, $fromVersion: Int) {
    createWorkflowDraft(workflowId: $workflowId, fromVersion: $fromVersion) {
      __typename
      ... on WorkflowDraft { id }
      ... on Error { message }
    }
  }
`);

const UpdateRollout = graphql(`
  mutation UpdateRollout($workflowId: ID!, $entries: [RolloutEntryInput!]!) {
    updateWorkflowRollout(workflowId: $workflowId, entries: $entries) {
      __typename
      ... on Workflow { id rollout { custom entries { version percentage } } }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const SetDefault = graphql(`
  mutation SetDefault($workflowId: ID!) {
    setDefaultWorkflow(workflowId: $workflowId) { __typename ... on Error { message } }
  }
`);
const Deactivate = graphql(`
  mutation Deactivate($workflowId: ID!) {
    deactivateWorkflow(workflowId: $workflowId) { __typename ... on Error { message } }
  }
`);
const Activate = graphql(`
  mutation Activate($workflowId: ID!) {
    activateWorkflow(workflowId: $workflowId) { __typename ... on Error { message } }
  }
`);

const CreateSession = graphql(`
  mutation CreateSession($workflowId: ID!, $sandbox: JSONObject, $referenceId: String, $metadata: JSONObject) {
    createSession(workflowId: $workflowId, sandbox: $sandbox, referenceId: $referenceId, metadata: $metadata) {
      __typename
      ... on Session { id }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

type Workflow = NonNullable<ResultOf<typeof WorkflowDetail>["workflow"]>;

/** One workflow: its graph by version, draft, dry run, rollout map, lifecycle actions and new sessions. */
export function WorkflowPage({ workflowId }: { workflowId: string }) {
  const detail = useRequest(() => client.request(WorkflowDetail, { id: workflowId }), [workflowId]);
  const [version, setVersion] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const workflow = detail.data?.workflow;

  if (detail.error) return <p className="error">{detail.error.message}</p>;
  if (!detail.data) return <p className="muted">Loading…</p>;
  if (!workflow) return <p className="error">Workflow {workflowId} was not found.</p>;

  const shown = workflow.versions.find((v) => v.version === (version ?? workflow.currentVersion));
  const graph = asGraph(shown?.graph);

  async function lifecycle(action: "default" | "deactivate" | "activate") {
    const document = action === "default" ? SetDefault : action === "deactivate" ? Deactivate : Activate;
    const data = await client.request(document, { workflowId });
    const result = Object.values(data)[0] as { __typename: string; message?: string };
    setMessage(result.__typename === "Workflow" ? null : problem(result));
    await detail.reload();
  }

  async function openDraft() {
    if (workflow?.draft) {
      navigate(`/workflows/${workflowId}/draft`);
      return;
    }
    const { createWorkflowDraft: result } = await client.request(CreateDraft, {
      workflowId,
      fromVersion: version ?? null,
    });
    if (result.__typename === "WorkflowDraft") navigate(`/workflows/${workflowId}/draft`);
    else setMessage(problem(result));
  }

  return (
    <>
      <div className="page-head">
        <div>
          <p className="small muted">
            <Link href="/workflows">Workflows</Link> / {workflow.id}
          </p>
          <h1>
            {workflow.name}{" "}
            <span className={`badge ${workflow.status === "active" ? "ok" : ""}`}>{workflow.status}</span>{" "}
            {workflow.isDefault ? <span className="badge run">default</span> : null}
          </h1>
        </div>
        <div className="row">
          <button type="button" onClick={openDraft}>
            {workflow.draft ? "Open draft" : "Edit as draft"}
          </button>
          {!workflow.isDefault && workflow.status === "active" ? (
            <button type="button" className="secondary" onClick={() => lifecycle("default")}>
              Make default
            </button>
          ) : null}
          {workflow.status === "active" ? (
            <button type="button" className="secondary" onClick={() => lifecycle("deactivate")}>
              Deactivate
            </button>
          ) : (
            <button type="button" className="secondary" onClick={() => lifecycle("activate")}>
              Activate
            </button>
          )}
        </div>
      </div>
      {message ? (
        <p className="error" role="alert">
          {message}
        </p>
      ) : null}
      <div className="two-col">
        <section className="panel" aria-labelledby="graph-title">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 id="graph-title">Graph</h2>
            <label className="inline">
              Version
              <select
                value={version ?? workflow.currentVersion}
                onChange={(e) => setVersion(Number(e.target.value))}
                aria-label="Version to show"
              >
                {workflow.versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                    {v.isCurrent ? " (current)" : ""}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {graph ? <RunGraph graph={graph} label={`Graph of version ${shown?.version}`} /> : <p>No graph.</p>}
        </section>
        <div>
          <StartSession workflowId={workflowId} onStarted={(id) => navigate(`/sessions/${id}`)} />
          <section className="panel" aria-labelledby="versions-title">
            <h2 id="versions-title">Versions</h2>
            <ul>
              {workflow.versions.map((v) => (
                <li key={v.version}>
                  v{v.version} {v.isCurrent ? <span className="badge ok">current</span> : null}{" "}
                  <span className="muted small">
                    {formatDateTime(v.publishedAt)} {v.publishedBy ? `by ${v.publishedBy}` : ""}
                  </span>
                </li>
              ))}
            </ul>
            {workflow.draft ? (
              <p>
                Open draft on v{workflow.draft.baseVersion}:{" "}
                <span className={`badge ${workflow.draft.valid ? "ok" : "bad"}`}>
                  {workflow.draft.valid ? "valid" : "invalid"}
                </span>{" "}
                <Link href={`/workflows/${workflowId}/draft`}>open the editor</Link>
              </p>
            ) : null}
          </section>
          <RolloutPanel workflow={workflow} onSaved={detail.reload} />
        </div>
      </div>
      <DryRunPanel target={{ kind: "workflow", workflowId, version: version ?? workflow.currentVersion }} />
    </>
  );
}

function StartSession({ workflowId, onStarted }: { workflowId: string; onStarted(id: string): void }) {
  const [sandbox, setSandbox] = useState(() => pretty(exampleSandbox));
  const [referenceId, setReferenceId] = useState("");
  const [tags, setTags] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function start(event: FormEvent) {
    event.preventDefault();
    let sandboxValue: Record<string, unknown> | null = null;
    try {
      sandboxValue = sandbox.trim() ? (JSON.parse(sandbox) as Record<string, unknown>) : null;
    } catch (caught) {
      setError(`Sandbox data is not valid JSON: ${(caught as Error).message}`);
      return;
    }
    const tagList = tags
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    const { createSession: result } = await client.request(CreateSession, {
      workflowId,
      sandbox: sandboxValue,
      referenceId: referenceId.trim() || null,
      metadata: tagList.length ? { tags: tagList } : null,
    });
    if (result.__typename === "Session") onStarted(result.id);
    else if (result.__typename === "ValidationError")
      setError(result.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    else setError(problem(result));
  }

  return (
    <form className="panel" onSubmit={start} aria-labelledby="start-session-title">
      <h2 id="start-session-title">Start a session</h2>
      <p className="muted small">
        Creates a session on this workflow; submit it on its page to run it. Sandbox data decides the
        simulated checks.
      </p>
      <label htmlFor="session-reference">Reference id (optional)</label>
      <input id="session-reference" value={referenceId} onChange={(e) => setReferenceId(e.target.value)} />
      <label htmlFor="session-tags">Tags (comma-separated, kept in metadata.tags)</label>
      <input id="session-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
      <label htmlFor="session-sandbox">Sandbox data (JSON)</label>
      <textarea
        id="session-sandbox"
        className="code"
        rows={4}
        spellCheck={false}
        value={sandbox}
        onChange={(e) => setSandbox(e.target.value)}
      />
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <p>
        <button type="submit">Create session</button>
      </p>
    </form>
  );
}

function RolloutPanel({ workflow, onSaved }: { workflow: Workflow; onSaved(): Promise<void> }) {
  const [rows, setRows] = useState(() =>
    workflow.rollout.custom
      ? workflow.rollout.entries.map((e) => ({ version: e.version, percentage: e.percentage }))
      : [{ version: workflow.currentVersion, percentage: 100 }],
  );
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const total = rows.reduce((sum, row) => sum + (Number.isFinite(row.percentage) ? row.percentage : 0), 0);

  async function save(entries: { version: number; percentage: number }[]) {
    setSaved(false);
    const { updateWorkflowRollout: result } = await client.request(UpdateRollout, {
      workflowId: workflow.id,
      entries,
    });
    if (result.__typename === "Workflow") {
      setError(null);
      setSaved(true);
      await onSaved();
    } else if (result.__typename === "ValidationError") {
      setError(result.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    } else setError(problem(result));
  }

  return (
    <section className="panel" aria-labelledby="rollout-title">
      <h2 id="rollout-title">Rollout</h2>
      <p className="muted small">
        {workflow.rollout.custom
          ? "New runs are split across versions (sticky per session)."
          : `No map: the current version v${workflow.currentVersion} takes 100 %.`}
      </p>
      <div className="rollout-bar" role="img" aria-label="Rollout map">
        {(workflow.rollout.custom
          ? workflow.rollout.entries
          : [{ version: workflow.currentVersion, percentage: 100 }]
        ).map((entry) => (
          <span key={entry.version} style={{ flexGrow: entry.percentage }}>
            v{entry.version}: {entry.percentage} %
          </span>
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Percent</th>
            <th>
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={`${index}-${row.version}`}>
              <td>
                <select
                  aria-label={`Version of row ${index + 1}`}
                  value={row.version}
                  onChange={(e) =>
                    setRows(rows.map((r, i) => (i === index ? { ...r, version: Number(e.target.value) } : r)))
                  }
                >
                  {workflow.versions.map((v) => (
                    <option key={v.version} value={v.version}>
                      v{v.version}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input
                  aria-label={`Percent of row ${index + 1}`}
                  type="number"
                  min={0}
                  max={100}
                  value={row.percentage}
                  onChange={(e) =>
                    setRows(
                      rows.map((r, i) => (i === index ? { ...r, percentage: Number(e.target.value) } : r)),
                    )
                  }
                  style={{ width: "5rem" }}
                />
              </td>
              <td>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => setRows(rows.filter((_, i) => i !== index))}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="row">
        <button
          type="button"
          className="secondary"
          onClick={() => setRows([...rows, { version: workflow.currentVersion, percentage: 0 }])}
        >
          Add row
        </button>
        <button type="button" onClick={() => save(rows)}>
          Save rollout
        </button>
        <button type="button" className="secondary" onClick={() => save([])}>
          Clear map
        </button>
        <span className={total === 100 ? "muted" : "error"}>Total {total} %</span>
      </p>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {saved ? <p className="notice">Rollout saved.</p> : null}
    </section>
  );
}
