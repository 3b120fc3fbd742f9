import { graphql, type ResultOf } from "@flowgate/client";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation } from "wouter";
import { pretty, useRequest } from "../../shared/use-request.ts";
import { client, problem } from "../api.ts";
import { DryRunPanel } from "../components/DryRunPanel.tsx";
import { RunGraph } from "../components/RunGraph.tsx";
import { asGraph } from "../graph-model.ts";

const DraftOfWorkflow = graphql(`
  query DraftOfWorkflow($id: ID!) {
    workflow(id: $id) {
      id name currentVersion
      draft { id graph valid baseVersion issues { path nodeId message } }
    }
  }
`);

const SaveDraft = graphql(`
  mutation SaveDraft($draftId: ID!, $graph: JSON!) {
    updateWorkflowDraft(draftId: $draftId, graph: $graph) {
      __typename
      ... on WorkflowDraft { id valid issues { path nodeId message } }
      ... on ValidationError { message issues { path nodeId message } }
      ... on Error { message }
    }
  }
`);

const DiffDraft = graphql(`
  query DiffDraft($draftId: ID!) {
    diffWorkflowDraft(draftId: $draftId) {
      __typename
      ... on WorkflowDraftDiff {
        againstVersion
        diff {
          hasChanges entryChanged entryBefore entryAfter
          added { nodeId type }
          removed { nodeId type }
          changed { nodeId fields }
        }
      }
      ... on Error { message }
    }
  }
`);

const PublishDraft = graphql(`
  mutation PublishDraft($draftId: ID!, $keepRollout: Boolean) {
    publishWorkflowDraft(draftId: $draftId, keepRollout: $keepRollout) {
      __typename
      ... on PublishWorkflowDraftPayload { version { version } }
      ... on ValidationError { message issues { path nodeId message } }
      ... on Error { message }
    }
  }
`);

const DiscardDraft = graphql(`
  mutation DiscardDraft($draftId: ID!) {
    discardWorkflowDraft(draftId: $draftId) { __typename ... on Error { message } }
  }
`);

type Issue = { path: readonly string[]; nodeId: string | null; message: string };
type Diff = Extract<ResultOf<typeof DiffDraft>["diffWorkflowDraft"], { __typename: "WorkflowDraftDiff" }>;

/**
 * The draft editor: the graph as JSON, validated as you type (JSON syntax at once, the server's graph
 * validation after a short pause, saved into the draft), errors drawn on the nodes, the diff against the
 * current version, a dry run and publish.
 */
export function DraftEditorPage({ workflowId }: { workflowId: string }) {
  const loaded = useRequest(() => client.request(DraftOfWorkflow, { id: workflowId }), [workflowId]);
  const draft = loaded.data?.workflow?.draft;
  if (loaded.error) return <p className="error">{loaded.error.message}</p>;
  if (!loaded.data) return <p className="muted">Loading…</p>;
  if (!loaded.data.workflow) return <p className="error">Workflow {workflowId} was not found.</p>;
  if (!draft)
    return (
      <p>
        This workflow has no open draft. <Link href={`/workflows/${workflowId}`}>Back to the workflow</Link>.
      </p>
    );
  return (
    <Editor
      key={draft.id}
      workflowId={workflowId}
      workflowName={loaded.data.workflow.name}
      currentVersion={loaded.data.workflow.currentVersion}
      draftId={draft.id}
      baseVersion={draft.baseVersion}
      initialGraph={draft.graph}
      initialIssues={draft.issues}
    />
  );
}

function Editor(props: {
  workflowId: string;
  workflowName: string;
  currentVersion: number;
  draftId: string;
  baseVersion: number;
  initialGraph: unknown;
  initialIssues: readonly Issue[];
}) {
  const [text, setText] = useState(() => pretty(props.initialGraph));
  const [syntaxError, setSyntaxError] = useState<string | null>(null);
  const [issues, setIssues] = useState<readonly Issue[]>(props.initialIssues);
  const [saving, setSaving] = useState<"idle" | "saving" | "saved">("idle");
  const [diff, setDiff] = useState<Diff | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [keepRollout, setKeepRollout] = useState(false);
  const [graphValue, setGraphValue] = useState<unknown>(props.initialGraph);
  const [, navigate] = useLocation();
  const generation = useRef(0);

  const loadDiff = async () => {
    const { diffWorkflowDraft: answer } = await client.request(DiffDraft, { draftId: props.draftId });
    if (answer.__typename === "WorkflowDraftDiff") setDiff(answer);
  };
  useEffect(() => {
    void loadDiff();
  }, [props.draftId]);

  // Validate as you type: parse now, save (and so validate on the server) 400 ms after the last key.
  useEffect(() => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      setSyntaxError(null);
      setGraphValue(parsed);
    } catch (caught) {
      setSyntaxError((caught as Error).message);
      return;
    }
    const mine = ++generation.current;
    const timer = setTimeout(async () => {
      setSaving("saving");
      const { updateWorkflowDraft: answer } = await client.request(SaveDraft, {
        draftId: props.draftId,
        graph: parsed,
      });
      if (mine !== generation.current) return;
      if (answer.__typename === "WorkflowDraft" || answer.__typename === "ValidationError") {
        setIssues(answer.issues);
        setMessage(null);
      } else setMessage(problem(answer));
      setSaving("saved");
      await loadDiff();
    }, 400);
    return () => clearTimeout(timer);
  }, [text]);

  const graph = useMemo(() => asGraph(graphValue), [graphValue]);
  const issuesByNode = useMemo(() => {
    const byNode: Record<string, string[]> = {};
    for (const issue of issues) {
      if (!issue.nodeId) continue;
      const list = byNode[issue.nodeId] ?? [];
      list.push(issue.message);
      byNode[issue.nodeId] = list;
    }
    return byNode;
  }, [issues]);
  const valid = !syntaxError && issues.length === 0;

  async function publish() {
    const { publishWorkflowDraft: answer } = await client.request(PublishDraft, {
      draftId: props.draftId,
      keepRollout,
    });
    if (answer.__typename === "PublishWorkflowDraftPayload") navigate(`/workflows/${props.workflowId}`);
    else if (answer.__typename === "ValidationError") setIssues(answer.issues);
    else setMessage(problem(answer));
  }

  async function discard() {
    const { discardWorkflowDraft: answer } = await client.request(DiscardDraft, { draftId: props.draftId });
    if (answer.__typename === "WorkflowDraft") navigate(`/workflows/${props.workflowId}`);
    else setMessage(problem(answer));
  }

  return (
    <>
      <div className="page-head">
        <div>
          <p className="small muted">
            <Link href="/workflows">Workflows</Link> /{" "}
            <Link href={`/workflows/${props.workflowId}`}>{props.workflowName}</Link> / draft
          </p>
          <h1>
            Draft on v{props.baseVersion}{" "}
            <span className={`badge ${valid ? "ok" : "bad"}`} data-testid="draft-validity">
              {valid ? "valid" : "invalid"}
            </span>{" "}
            <span className="muted small" aria-live="polite">
              {saving === "saving" ? "saving…" : saving === "saved" ? "saved" : ""}
            </span>
          </h1>
        </div>
        <div className="row">
          <label className="inline">
            <input type="checkbox" checked={keepRollout} onChange={(e) => setKeepRollout(e.target.checked)} />{" "}
            keep the rollout map
          </label>
          <button type="button" onClick={publish} disabled={!valid || saving === "saving"}>
            Publish as v{props.currentVersion + 1}
          </button>
          <button type="button" className="secondary" onClick={discard}>
            Discard
          </button>
        </div>
      </div>
      {message ? (
        <p className="error" role="alert">
          {message}
        </p>
      ) : null}
      <div className="grid-2">
        <section className="panel" aria-labelledby="draft-json">
          <h2 id="draft-json">Graph JSON</h2>
          <textarea
            className="code editor"
            aria-label="Draft graph JSON"
            aria-invalid={!valid}
            aria-describedby="draft-issues"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <div id="draft-issues" aria-live="polite">
            {syntaxError ? <p className="error">JSON: {syntaxError}</p> : null}
            {issues.length ? (
              <ul className="error">
                {issues.map((issue) => (
                  <li key={`${issue.path.join(".")}:${issue.message}`}>
                    <code>{issue.path.join(".")}</code>: {issue.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        </section>
        <section className="panel" aria-labelledby="draft-graph">
          <h2 id="draft-graph">Graph</h2>
          {graph ? (
            <RunGraph graph={graph} issues={issuesByNode} label="Draft graph" height={420} />
          ) : (
            <p>No graph to draw.</p>
          )}
          <h2>Changes against v{diff?.againstVersion ?? props.currentVersion}</h2>
          {diff ? (
            diff.diff.hasChanges ? (
              <ul data-testid="draft-diff">
                {diff.diff.entryChanged ? (
                  <li>
                    entry: {diff.diff.entryBefore} → {diff.diff.entryAfter}
                  </li>
                ) : null}
                {diff.diff.added.map((n) => (
                  <li key={`a-${n.nodeId}`}>
                    <span className="badge ok">added</span> {n.nodeId} ({n.type})
                  </li>
                ))}
                {diff.diff.removed.map((n) => (
                  <li key={`r-${n.nodeId}`}>
                    <span className="badge bad">removed</span> {n.nodeId} ({n.type})
                  </li>
                ))}
                {diff.diff.changed.map((n) => (
                  <li key={`c-${n.nodeId}`}>
                    <span className="badge warn">changed</span> {n.nodeId}: {n.fields.join(", ")}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">No changes.</p>
            )
          ) : (
            <p className="muted">…</p>
          )}
        </section>
      </div>
      <DryRunPanel target={{ kind: "draft", draftId: props.draftId }} />
    </>
  );
}
