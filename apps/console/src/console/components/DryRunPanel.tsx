import { graphql, type ResultOf, readFragment } from "@flowgate/client";
import { type FormEvent, useState } from "react";
import { pretty } from "../../shared/use-request.ts";
import { client, problem } from "../api.ts";
import { exampleSandbox } from "../example-graph.ts";

const DryRunResultFields = graphql(`
  fragment DryRunResultFields on DryRunResult {
    status finalStatus sessionResult path pausedAtNode totalCostCents errorMessage
    nodeResults { step nodeId nodeType result routedTo attempts output error costCents }
  }
`);

const DryRunWorkflow = graphql(
  `
  mutation DryRunWorkflow($workflowId: ID!, $version: Int, $input: DryRunInput) {
    dryRunWorkflow(workflowId: $workflowId, version: $version, input: $input) {
      __typename
      ...DryRunResultFields
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`,
  [DryRunResultFields],
);

const DryRunDraft = graphql(
  `
  mutation DryRunDraft($draftId: ID!, $input: DryRunInput) {
    dryRunWorkflowDraft(draftId: $draftId, input: $input) {
      __typename
      ...DryRunResultFields
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`,
  [DryRunResultFields],
);

type DryRunResult = ResultOf<typeof DryRunResultFields>;

/** What to dry-run: a published version or a draft. */
export type DryRunTarget =
  | { kind: "workflow"; workflowId: string; version: number }
  | { kind: "draft"; draftId: string };

/** Dry run: executes the graph in memory with simulated outcomes and gate decisions; writes nothing. */
export function DryRunPanel({ target }: { target: DryRunTarget }) {
  const [input, setInput] = useState(() =>
    pretty({ outcomes: exampleSandbox, decisions: [{ nodeId: "gate", decision: "continue" }] }),
  );
  const [result, setResult] = useState<DryRunResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(event: FormEvent) {
    event.preventDefault();
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(input) as Record<string, unknown>;
    } catch (caught) {
      setError(`The input is not valid JSON: ${(caught as Error).message}`);
      return;
    }
    const answer =
      target.kind === "workflow"
        ? (
            await client.request(DryRunWorkflow, {
              workflowId: target.workflowId,
              version: target.version,
              input: parsed,
            })
          ).dryRunWorkflow
        : (await client.request(DryRunDraft, { draftId: target.draftId, input: parsed })).dryRunWorkflowDraft;
    if (answer.__typename === "DryRunResult") {
      setResult(readFragment(DryRunResultFields, answer));
      setError(null);
    } else if (answer.__typename === "ValidationError") {
      setError(answer.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    } else setError(problem(answer as { __typename: string; message?: string }));
  }

  return (
    <form className="panel" onSubmit={run} aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">
        Dry run {target.kind === "workflow" ? `of v${target.version}` : "of the draft"}
      </h2>
      <label htmlFor="dry-run-input">
        Input (<code>outcomes</code>, <code>decisions</code>, <code>metadata</code>, <code>payload</code>)
      </label>
      <textarea
        id="dry-run-input"
        className="code"
        rows={5}
        spellCheck={false}
        value={input}
        onChange={(e) => setInput(e.target.value)}
      />
      <p>
        <button type="submit">Dry run</button>
      </p>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {result ? (
        <div aria-live="polite" data-testid="dry-run-result">
          <p>
            <span className="badge run">{result.status}</span>{" "}
            {result.finalStatus ? `→ ${result.finalStatus}` : ""}{" "}
            {result.pausedAtNode ? `paused at ${result.pausedAtNode}` : ""} · path {result.path.join(" → ")} ·
            cost {result.totalCostCents} ¢
          </p>
          {result.errorMessage ? <p className="error">{result.errorMessage}</p> : null}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>Node</th>
                  <th>Result</th>
                  <th>Routed to</th>
                  <th>Attempts</th>
                  <th>Output</th>
                </tr>
              </thead>
              <tbody>
                {result.nodeResults.map((n) => (
                  <tr key={n.step}>
                    <td>{n.step}</td>
                    <td>
                      {n.nodeId} <span className="muted small">{n.nodeType}</span>
                    </td>
                    <td>{n.result ?? n.error ?? "—"}</td>
                    <td>{n.routedTo ?? "—"}</td>
                    <td>{n.attempts}</td>
                    <td>{n.output ? <code>{JSON.stringify(n.output)}</code> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </form>
  );
}
