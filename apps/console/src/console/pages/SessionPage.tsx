import { graphql, type ResultOf, readFragment, subscribeRunProgress } from "@flowgate/client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link } from "wouter";
import { formatDateTime, pretty, useRequest } from "../../shared/use-request.ts";
import { client, problem } from "../api.ts";
import { RunGraph } from "../components/RunGraph.tsx";
import { SessionSurface, SessionSurfaceFields } from "../components/SessionSurface.tsx";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { statusBadge } from "../components/status.ts";
import { Table } from "../components/Table.tsx";
import { asGraph } from "../graph-model.ts";
import { applyRunEvent, emptyRunView, type RunView } from "../run-state.ts";

const RunFields = graphql(`
  fragment RunFields on Run {
    id status finalStatus workflowVersion graphSnapshot currentNode pausedAtNode lastSeq errorMessage
    totalCostCents durationMs createdAt startedAt completedAt decisionMetadata
    nodeRuns {
      id workflowNodeId nodeType status result routedTo attempts inputData outputData error
      startedAt completedAt durationMs costCents
    }
    auditTrail { action actor createdAt reason data }
  }
`);

const SessionDetail = graphql(
  `
  query SessionDetail($id: ID!) {
    session(id: $id) {
      id status result referenceId metadata createdAt updatedAt expiresAt submittedAt completedAt
      workflow { id name graph currentVersion }
      workflowRun { id events { runId seq type data createdAt } ...RunFields }
      ...SessionSurfaceFields
    }
  }
`,
  [RunFields, SessionSurfaceFields],
);

/** What changes while a run goes on, without its events (those arrive over runProgress). */
const SessionLive = graphql(
  `
  query SessionLive($id: ID!) {
    session(id: $id) {
      id status result submittedAt completedAt
      workflowRun { id ...RunFields }
      ...SessionSurfaceFields
    }
  }
`,
  [RunFields, SessionSurfaceFields],
);

const SubmitSession = graphql(`
  mutation SubmitSession($sessionId: ID!) {
    submitSession(sessionId: $sessionId) {
      __typename
      ... on SubmitSessionPayload { run { id } }
      ... on Error { message }
    }
  }
`);

const Decide = graphql(`
  mutation Decide($sessionId: ID!, $decision: ExternalDecision!, $metadata: JSONObject) {
    submitExternalDecision(sessionId: $sessionId, decision: $decision, metadata: $metadata) {
      __typename
      ... on ExternalDecisionPayload { status message }
      ... on Error { message }
    }
  }
`);

const RetryRun = graphql(`
  mutation RetryRun($runId: ID!, $fromNode: String!, $reason: String) {
    retryRun(runId: $runId, fromNode: $fromNode, reason: $reason) {
      __typename
      ... on Run { id status }
      ... on ValidationError { message issues { path message } }
      ... on Error { message }
    }
  }
`);

const CancelRun = graphql(`
  mutation CancelRun($runId: ID!, $reason: String) {
    cancelRun(runId: $runId, reason: $reason) { __typename ... on Error { message } }
  }
`);

const TriggerAgain = graphql(`
  mutation TriggerAgain($workflowId: ID!, $sessionId: ID!) {
    triggerWorkflow(workflowId: $workflowId, sessionId: $sessionId) {
      __typename
      ... on TriggerWorkflowPayload { run { id } }
      ... on Error { message }
    }
  }
`);

type Run = ResultOf<typeof RunFields>;

/**
 * A session and its run drawn as the graph. Nodes light up live: the page renders the stored events,
 * then follows `runProgress` from the last seq it rendered (the client resumes after a reconnect from the
 * last seq it delivered). Node details, the gate's decision buttons, the audit trail and retry from a node.
 */
export function SessionPage({ sessionId }: { sessionId: string }) {
  const detail = useRequest(() => client.request(SessionDetail, { id: sessionId }), [sessionId]);
  const [live, setLive] = useState<ResultOf<typeof SessionLive>["session"]>(null);
  const loaded = detail.data?.session;
  const loadedRun: Run | null = loaded?.workflowRun ? readFragment(RunFields, loaded.workflowRun) : null;
  const liveRun: Run | null = live?.workflowRun ? readFragment(RunFields, live.workflowRun) : null;
  // The latest of the full load and the light refreshes that follow events, for the same run.
  const fresh = live && live.workflowRun?.id === loaded?.workflowRun?.id;
  const run = fresh ? liveRun : loadedRun;
  const session = loaded && fresh && live ? { ...loaded, ...live } : loaded;
  const [view, setView] = useState<RunView>(emptyRunView);
  const [connection, setConnection] = useState<"idle" | "live" | "reconnecting" | "ended">("idle");
  const [subscription, setSubscription] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: "error" | "notice"; text: string } | null>(null);
  const [decisionNote, setDecisionNote] = useState("");
  const [retryNode, setRetryNode] = useState("");
  const [retryReason, setRetryReason] = useState("");
  const runId = loadedRun?.id ?? null;
  const viewRef = useRef(view);
  viewRef.current = view;

  // Rebuild the view from the stored events when the run changes (a new run after submit or trigger).
  const seededFor = useRef<string | null>(null);
  const storedRun = loaded?.workflowRun;
  useEffect(() => {
    if (!storedRun || seededFor.current === storedRun.id) return;
    seededFor.current = storedRun.id;
    let next = emptyRunView;
    for (const event of storedRun.events) next = applyRunEvent(next, event);
    setView(next);
    setSubscription((n) => n + 1);
  }, [storedRun]);

  // Refresh what events change (node runs, audit trail, session status) shortly after them, without
  // reading the events again.
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refreshSoon = useCallback(
    (attempt = 0) => {
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(
        async () => {
          try {
            setLive((await client.request(SessionLive, { id: sessionId })).session);
          } catch {
            // The last event of a pause has no successor to refresh after it: try again a few times.
            if (attempt < 5) refreshSoon(attempt + 1);
          }
        },
        250 * 2 ** attempt,
      );
    },
    [sessionId],
  );
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  // Follow the run live from what is already drawn.
  useEffect(() => {
    if (!runId || subscription === 0) return;
    const handle = subscribeRunProgress(client, runId, {
      afterSeq: viewRef.current.lastSeq,
      onEvent: (event) => {
        setView((current) => applyRunEvent(current, event));
        refreshSoon();
      },
      onComplete: () => {
        setConnection("ended");
        refreshSoon();
      },
      onError: (error) => {
        setConnection("ended");
        setMessage({ kind: "error", text: `Live updates stopped: ${error.message}` });
      },
      onConnection: (state) => setConnection(state),
    });
    setConnection("live");
    // The page's load read the events and the node runs in separate queries, so a step that committed
    // between them shows its events without its node runs; when no event follows (a run that reached a
    // gate within one step), nothing else would refresh them.
    refreshSoon();
    return () => handle.unsubscribe();
  }, [runId, subscription]);

  const graph = useMemo(
    () => asGraph(run?.graphSnapshot ?? session?.workflow?.graph),
    [run?.graphSnapshot, session?.workflow?.graph],
  );

  if (detail.error) return <p className="error">{detail.error.message}</p>;
  if (!detail.data) return <p className="muted">Loading…</p>;
  if (!session) return <p className="error">Session {sessionId} was not found.</p>;

  const canSubmit = session.status === "created" || session.status === "in_progress";
  // The run's own events say at once that it paused at a gate; the session's status follows in the
  // refresh after them. Either is enough to offer the decision.
  const pausedAtGate =
    view.status === "paused" &&
    (graph?.nodes.some((node) => node.type === "wait" && view.nodes[node.id]?.state === "paused") ?? false);
  const awaiting = session.status === "awaiting_external" || pausedAtGate;
  const finished = run
    ? ["completed", "failed", "cancelled"].includes(view.status === "pending" ? run.status : view.status)
    : false;

  async function act(action: () => Promise<{ __typename: string; message?: string }>, success: string) {
    setMessage(null);
    try {
      const result = await action();
      if ("message" in result && result.__typename.endsWith("Error"))
        setMessage({ kind: "error", text: problem(result) });
      else setMessage({ kind: "notice", text: success });
    } catch (caught) {
      setMessage({ kind: "error", text: (caught as Error).message });
    }
    setLive(null);
    await detail.reload();
  }

  const decide = (decision: "continue" | "fail" | "reject") =>
    act(
      async () =>
        (
          await client.request(Decide, {
            sessionId,
            decision,
            metadata: decisionNote.trim() ? { note: decisionNote.trim() } : null,
          })
        ).submitExternalDecision,
      `Decision "${decision}" sent; the run resumes.`,
    );

  const nodeRunsOf = (nodeId: string) => run?.nodeRuns.filter((n) => n.workflowNodeId === nodeId) ?? [];
  const selectedRuns = selected ? nodeRunsOf(selected) : [];

  return (
    <>
      <div className="page-head">
        <div>
          <p className="small muted">
            <Link href="/sessions">Sessions</Link> / {session.id}
          </p>
          <h1>
            Session{" "}
            <span className={`badge ${statusBadge(session.status)}`} data-testid="session-status">
              {session.status}
            </span>{" "}
            {session.result ? <StatusBadge status={session.result} /> : null}
          </h1>
        </div>
        <div className="row">
          {canSubmit ? (
            <button
              type="button"
              onClick={() =>
                act(
                  async () => (await client.request(SubmitSession, { sessionId })).submitSession,
                  "Submitted: the run started.",
                )
              }
            >
              Submit and run
            </button>
          ) : null}
          {run && (view.status === "running" || view.status === "paused") ? (
            <button
              type="button"
              className="secondary"
              onClick={() =>
                act(
                  async () =>
                    (await client.request(CancelRun, { runId: run.id, reason: "cancelled in the console" }))
                      .cancelRun,
                  "Run cancelled.",
                )
              }
            >
              Cancel run
            </button>
          ) : null}
          {finished && session.workflow && (session.status === "completed" || session.status === "failed") ? (
            <button
              type="button"
              className="secondary"
              onClick={() =>
                act(
                  async () =>
                    (await client.request(TriggerAgain, { workflowId: session.workflow!.id, sessionId }))
                      .triggerWorkflow,
                  "A new run started.",
                )
              }
            >
              Run again
            </button>
          ) : null}
        </div>
      </div>
      {message ? (
        <p className={message.kind} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      ) : null}

      <div className="two-col">
        <section className="panel" aria-labelledby="run-title">
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 id="run-title">
              {run ? (
                <>
                  Run {run.id} · v{run.workflowVersion}{" "}
                  <span className={`badge ${statusBadge(view.status)}`} data-testid="run-status">
                    {view.status}
                  </span>{" "}
                  {view.finalStatus ? <StatusBadge status={view.finalStatus} /> : null}
                </>
              ) : (
                "Not run yet"
              )}
            </h2>
            {run ? (
              <span className="small" aria-live="polite" data-testid="live-state">
                <span
                  className={`live-dot ${connection === "reconnecting" ? "reconnecting" : ""}`}
                  aria-hidden="true"
                />
                {connection === "live" ? "live" : connection === "reconnecting" ? "reconnecting…" : "final"} ·
                seq {view.lastSeq}
              </span>
            ) : null}
          </div>
          {graph ? (
            <RunGraph
              graph={graph}
              run={run ? view : undefined}
              selectedNode={selected}
              onSelectNode={setSelected}
              label={run ? `Run ${run.id} as a graph` : "Workflow graph"}
            />
          ) : (
            <p className="muted">
              This session uses the workspace's default workflow; submit it to see its run.
            </p>
          )}
          {graph && run ? (
            <Table columns={["Node", "State", "Result", "Attempts"]} aria-label="Nodes of the run">
              {graph.nodes.map((node) => {
                const state = view.nodes[node.id];
                return (
                  <tr key={node.id} data-node-row={node.id}>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        aria-pressed={selected === node.id}
                        onClick={() => setSelected(node.id)}
                      >
                        {node.id}
                      </button>
                    </td>
                    <td>{state?.state ?? "idle"}</td>
                    <td>{state?.result ?? "—"}</td>
                    <td>{state?.attempts ?? 0}</td>
                  </tr>
                );
              })}
            </Table>
          ) : null}
        </section>
        <div>
          {awaiting ? (
            <section className="panel gate-panel" aria-labelledby="gate-title">
              <h2 id="gate-title">
                Gate {view.status === "paused" ? `"${run?.pausedAtNode ?? ""}"` : ""} awaits a decision
              </h2>
              <label htmlFor="decision-note">Note (stored with the decision)</label>
              <input
                id="decision-note"
                value={decisionNote}
                onChange={(e) => setDecisionNote(e.target.value)}
              />
              <p className="row">
                <button type="button" onClick={() => decide("continue")}>
                  Continue
                </button>
                <button type="button" className="secondary" onClick={() => decide("fail")}>
                  Fail
                </button>
                <button type="button" className="danger" onClick={() => decide("reject")}>
                  Reject
                </button>
              </p>
            </section>
          ) : null}
          <section className="panel" aria-labelledby="node-title" aria-live="polite">
            <h2 id="node-title">{selected ? `Node "${selected}"` : "Node details"}</h2>
            {!selected ? <p className="muted">Select a node in the graph or the table.</p> : null}
            {selected && selectedRuns.length === 0 ? (
              <p className="muted">Not executed in this run.</p>
            ) : null}
            {selectedRuns.map((n) => (
              <div key={n.id} className="node-run" data-node-run={n.workflowNodeId}>
                <dl className="facts">
                  <dt>Status</dt>
                  <dd>{n.status}</dd>
                  <dt>Result</dt>
                  <dd>{n.result ?? "—"}</dd>
                  <dt>Routed to</dt>
                  <dd>{n.routedTo ?? "—"}</dd>
                  <dt>Attempts</dt>
                  <dd>{n.attempts}</dd>
                  <dt>Duration</dt>
                  <dd>{n.durationMs ?? "—"} ms</dd>
                  <dt>Cost</dt>
                  <dd>{n.costCents} ¢</dd>
                  <dt>Started</dt>
                  <dd>{formatDateTime(n.startedAt)}</dd>
                  {n.error ? (
                    <>
                      <dt>Error</dt>
                      <dd className="error">{n.error}</dd>
                    </>
                  ) : null}
                </dl>
                {n.inputData ? (
                  <>
                    <h3>Input</h3>
                    <pre>{pretty(n.inputData)}</pre>
                  </>
                ) : null}
                <h3>Output</h3>
                <pre>{n.outputData ? pretty(n.outputData) : "—"}</pre>
              </div>
            ))}
          </section>
          {run && finished ? (
            <section className="panel" aria-labelledby="retry-title">
              <h2 id="retry-title">Retry from a node</h2>
              <label htmlFor="retry-node">Node</label>
              <select id="retry-node" value={retryNode} onChange={(e) => setRetryNode(e.target.value)}>
                <option value="">choose…</option>
                {graph?.nodes.map((n) => (
                  <option key={n.id} value={n.id}>
                    {n.id}
                  </option>
                ))}
              </select>
              <label htmlFor="retry-reason">Reason</label>
              <input id="retry-reason" value={retryReason} onChange={(e) => setRetryReason(e.target.value)} />
              <p>
                <button
                  type="button"
                  disabled={!retryNode}
                  onClick={async () => {
                    await act(
                      async () =>
                        (
                          await client.request(RetryRun, {
                            runId: run.id,
                            fromNode: retryNode,
                            reason: retryReason.trim() || null,
                          })
                        ).retryRun,
                      `Retrying from "${retryNode}".`,
                    );
                    setSubscription((n) => n + 1);
                  }}
                >
                  Retry
                </button>
              </p>
            </section>
          ) : null}
          <SessionSurface data={fresh && live ? live : session} />
          <section className="panel" aria-labelledby="session-facts">
            <h2 id="session-facts">Session</h2>
            <dl className="facts">
              <dt>Workflow</dt>
              <dd>
                {session.workflow ? (
                  <Link href={`/workflows/${session.workflow.id}`}>{session.workflow.name}</Link>
                ) : (
                  "default"
                )}
              </dd>
              <dt>Reference</dt>
              <dd>{session.referenceId ?? "—"}</dd>
              <dt>Created</dt>
              <dd>{formatDateTime(session.createdAt)}</dd>
              <dt>Submitted</dt>
              <dd>{formatDateTime(session.submittedAt)}</dd>
              <dt>Completed</dt>
              <dd>{formatDateTime(session.completedAt)}</dd>
              {run ? (
                <>
                  <dt>Cost</dt>
                  <dd>{run.totalCostCents} ¢</dd>
                  <dt>Duration</dt>
                  <dd>{run.durationMs ?? "—"} ms</dd>
                  {run.errorMessage ? (
                    <>
                      <dt>Error</dt>
                      <dd className="error">{run.errorMessage}</dd>
                    </>
                  ) : null}
                </>
              ) : null}
              <dt>Metadata</dt>
              <dd>
                <code>{JSON.stringify(session.metadata)}</code>
              </dd>
            </dl>
          </section>
        </div>
      </div>
      {run ? (
        <section className="panel" aria-labelledby="audit-title">
          <h2 id="audit-title">Audit trail</h2>
          <Table columns={["When", "Action", "Who", "Why", "Data"]} data-testid="audit-trail">
            {run.auditTrail.map((entry, index) => (
              <tr key={`${entry.createdAt}-${index}`}>
                <td>{formatDateTime(entry.createdAt)}</td>
                <td>{entry.action}</td>
                <td>{entry.actor ?? "engine"}</td>
                <td>{entry.reason ?? "—"}</td>
                <td>
                  <code>{JSON.stringify(entry.data)}</code>
                </td>
              </tr>
            ))}
          </Table>
        </section>
      ) : null}
    </>
  );
}
