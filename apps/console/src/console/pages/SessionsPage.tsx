import { graphql, type ResultOf } from "@flowgate/client";
import { useEffect, useState } from "react";
import { Link } from "wouter";
import { formatDateTime } from "../../shared/use-request.ts";
import { client } from "../api.ts";
import { statusBadge } from "../components/status.ts";

const Sessions = graphql(`
  query Sessions($status: SessionStatus, $after: String) {
    sessions(status: $status, first: 50, after: $after) {
      edges {
        node {
          id status result referenceId metadata createdAt updatedAt
          workflow { id name }
          workflowRun { id status currentNode pausedAtNode }
        }
      }
      pageInfo { endCursor hasNextPage }
    }
  }
`);

type SessionRow = ResultOf<typeof Sessions>["sessions"]["edges"][number]["node"];
const statuses = [
  "created",
  "in_progress",
  "submitted",
  "processing",
  "awaiting_external",
  "completed",
  "failed",
  "expired",
] as const;

/** Tags of a session: `metadata.tags` (list or comma-separated string) and its reference id. */
function tagsOf(session: SessionRow): string[] {
  const raw = session.metadata.tags;
  const tags = Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? raw.split(",") : [];
  return tags.map((t) => t.trim()).filter(Boolean);
}

/**
 * Sessions, newest first. Status filters on the server; the API has no tag or date filter yet, so those
 * filter the pages loaded so far (load more to search further back).
 */
export function SessionsPage() {
  const [status, setStatus] = useState<"" | (typeof statuses)[number]>("");
  const [tag, setTag] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [rows, setRows] = useState<SessionRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  async function load(after: string | null) {
    setLoading(true);
    try {
      const { sessions } = await client.request(Sessions, { status: status || null, after });
      setRows((previous) =>
        after ? [...previous, ...sessions.edges.map((e) => e.node)] : sessions.edges.map((e) => e.node),
      );
      setCursor(sessions.pageInfo.endCursor ?? null);
      setHasMore(sessions.pageInfo.hasNextPage);
      setError(null);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    void load(null);
  }, [status]);

  const needle = tag.trim().toLowerCase();
  const fromTime = from ? new Date(`${from}T00:00:00`).getTime() : null;
  const toTime = to ? new Date(`${to}T23:59:59.999`).getTime() : null;
  const shown = rows.filter((row) => {
    const created = new Date(row.createdAt).getTime();
    if (fromTime !== null && created < fromTime) return false;
    if (toTime !== null && created > toTime) return false;
    if (!needle) return true;
    return [...tagsOf(row), row.referenceId ?? ""].some((t) => t.toLowerCase().includes(needle));
  });

  return (
    <>
      <div className="page-head">
        <h1>Sessions</h1>
      </div>
      <search className="panel filters" aria-label="Filter sessions">
        <label>
          Status
          <br />
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">all</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag or reference
          <br />
          <input value={tag} onChange={(e) => setTag(e.target.value)} placeholder="e.g. vip" />
        </label>
        <label>
          Created from
          <br />
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          to
          <br />
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </search>
      <section className="panel" aria-label="Session list" aria-busy={loading}>
        {error ? <p className="error">{error}</p> : null}
        {!loading && shown.length === 0 ? <p className="muted">No sessions match.</p> : null}
        {shown.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Session</th>
                  <th>Status</th>
                  <th>Workflow</th>
                  <th>Run</th>
                  <th>Tags</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((s) => (
                  <tr key={s.id} data-session-id={s.id}>
                    <td>
                      <Link href={`/sessions/${s.id}`}>{s.id}</Link>
                      {s.referenceId ? <div className="muted small">{s.referenceId}</div> : null}
                    </td>
                    <td>
                      <span className={`badge ${statusBadge(s.status)}`}>{s.status}</span>{" "}
                      {s.result ? <span className={`badge ${statusBadge(s.result)}`}>{s.result}</span> : null}
                    </td>
                    <td>
                      {s.workflow ? (
                        <Link href={`/workflows/${s.workflow.id}`}>{s.workflow.name}</Link>
                      ) : (
                        "default"
                      )}
                    </td>
                    <td>
                      {s.workflowRun ? (
                        <>
                          {s.workflowRun.status}
                          {s.workflowRun.pausedAtNode ? ` at ${s.workflowRun.pausedAtNode}` : ""}
                        </>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>
                      {tagsOf(s).map((t) => (
                        <span key={t} className="badge">
                          {t}
                        </span>
                      ))}
                    </td>
                    <td>{formatDateTime(s.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {hasMore ? (
          <p>
            <button type="button" className="secondary" onClick={() => load(cursor)} disabled={loading}>
              Load more
            </button>
          </p>
        ) : null}
      </section>
    </>
  );
}
