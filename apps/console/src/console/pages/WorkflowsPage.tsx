import { graphql } from "@flowgate/client";
import { type FormEvent, useState } from "react";
import { Link, useLocation } from "wouter";
import { formatDateTime, pretty, useRequest } from "../../shared/use-request.ts";
import { client, problem } from "../api.ts";
import { Table } from "../components/Table.tsx";
import { exampleGraph } from "../example-graph.ts";

const Workflows = graphql(`
  query Workflows($status: WorkflowStatus, $after: String) {
    workflows(status: $status, first: 50, after: $after) {
      edges {
        node { id name status isDefault currentVersion updatedAt draft { id valid } }
      }
      pageInfo { endCursor hasNextPage }
    }
  }
`);

const CreateWorkflow = graphql(`
  mutation CreateWorkflow($name: String!, $graph: JSON!, $isDefault: Boolean, $description: String) {
    createWorkflow(name: $name, graph: $graph, isDefault: $isDefault, description: $description) {
      __typename
      ... on Workflow { id }
      ... on ValidationError { message issues { path nodeId message } }
      ... on Error { message }
    }
  }
`);

/** Workflows: the list (status filter) and a form to create one from a graph. */
export function WorkflowsPage() {
  const [status, setStatus] = useState<"" | "active" | "inactive">("");
  const list = useRequest(() => client.request(Workflows, { status: status || null }), [status]);
  const [, navigate] = useLocation();
  const [name, setName] = useState("");
  const [graphText, setGraphText] = useState(() => pretty(exampleGraph));
  const [isDefault, setIsDefault] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  async function create(event: FormEvent) {
    event.preventDefault();
    let graph: unknown;
    try {
      graph = JSON.parse(graphText);
    } catch (caught) {
      setErrors([`The graph is not valid JSON: ${(caught as Error).message}`]);
      return;
    }
    setBusy(true);
    try {
      const { createWorkflow: result } = await client.request(CreateWorkflow, { name, graph, isDefault });
      switch (result.__typename) {
        case "Workflow":
          navigate(`/workflows/${result.id}`);
          return;
        case "ValidationError":
          setErrors(result.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
          return;
        default:
          setErrors([problem(result)]);
      }
    } catch (caught) {
      setErrors([problem(caught as Error)]);
    } finally {
      setBusy(false);
    }
  }

  const workflows = list.data?.workflows.edges.map((e) => e.node) ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Workflows</h1>
        <label className="inline">
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">all</option>
            <option value="active">active</option>
            <option value="inactive">inactive</option>
          </select>
        </label>
      </div>
      <section className="panel" aria-labelledby="workflow-list">
        <h2 id="workflow-list" className="visually-hidden">
          Workflow list
        </h2>
        {list.error ? <p className="error">{list.error.message}</p> : null}
        {list.loading && !list.data ? <p className="muted">Loading…</p> : null}
        {list.data && workflows.length === 0 ? (
          <p className="muted">No workflows yet: create one below.</p>
        ) : null}
        {workflows.length ? (
          <Table columns={["Name", "Status", "Version", "Draft", "Updated"]}>
            {workflows.map((w) => (
              <tr key={w.id} data-workflow-id={w.id}>
                <td>
                  <Link href={`/workflows/${w.id}`}>{w.name}</Link>{" "}
                  {w.isDefault ? <span className="badge run">default</span> : null}
                  <div className="muted small">{w.id}</div>
                </td>
                <td>
                  <span className={`badge ${w.status === "active" ? "ok" : ""}`}>{w.status}</span>
                </td>
                <td>v{w.currentVersion}</td>
                <td>
                  {w.draft ? (
                    <span className={`badge ${w.draft.valid ? "ok" : "bad"}`}>
                      {w.draft.valid ? "valid" : "invalid"}
                    </span>
                  ) : (
                    "—"
                  )}
                </td>
                <td>{formatDateTime(w.updatedAt)}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </section>
      <form className="panel" onSubmit={create} aria-labelledby="create-workflow">
        <h2 id="create-workflow">Create a workflow</h2>
        <label htmlFor="workflow-name">Name</label>
        <input id="workflow-name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor="workflow-graph">Graph (JSON)</label>
        <textarea
          id="workflow-graph"
          className="code"
          rows={14}
          spellCheck={false}
          value={graphText}
          onChange={(e) => setGraphText(e.target.value)}
        />
        <label className="inline">
          <input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.target.checked)} />{" "}
          Default workflow of the workspace
        </label>
        {errors.length ? (
          <ul className="error" role="alert">
            {errors.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        ) : null}
        <p>
          <button type="submit" disabled={busy}>
            Create workflow
          </button>
        </p>
      </form>
    </>
  );
}
