import { graphql, type ResultOf } from "@flowgate/client";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "wouter";
import { formatDateTime } from "../../shared/use-request.ts";
import { client } from "../api.ts";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { Table } from "../components/Table.tsx";

const Sessions = graphql(`
  query Sessions(
    $status: SessionStatus
    $tag: String
    $createdFrom: DateTime
    $createdTo: DateTime
    $after: String
  ) {
    sessions(
      status: $status
      tag: $tag
      createdFrom: $createdFrom
      createdTo: $createdTo
      first: 50
      after: $after
    ) {
      edges {
        node {
          id status result referenceId tags createdAt updatedAt
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
type StatusFilter = "" | (typeof statuses)[number];

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** Local midnight at the start of a `YYYY-MM-DD` day, plus `days`. */
function startOfDay(day: string, days = 0): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days);
}

/** The filters as the URL holds them (`?status=&tag=&from=YYYY-MM-DD&to=YYYY-MM-DD`). */
function filtersOf(params: URLSearchParams) {
  const status = params.get("status") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  return {
    status: (statuses as readonly string[]).includes(status) ? (status as StatusFilter) : "",
    tag: (params.get("tag") ?? "").trim(),
    from: datePattern.test(from) ? from : "",
    to: datePattern.test(to) ? to : "",
  };
}

/**
 * Sessions, newest first. Every filter (status, tag, creation date) is applied by the server
 * (`sessions(status, tag, createdFrom, createdTo)`) and kept in the URL, so a filtered list can be
 * reloaded, bookmarked and shared. Dates are whole days in the browser's time zone, both ends included.
 */
export function SessionsPage() {
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const [tagDraft, setTagDraft] = useState(filters.tag);
  const [rows, setRows] = useState<SessionRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const rangeError =
    filters.from && filters.to && filters.to < filters.from ? "“To” is before “from”." : null;

  /** Writes one filter into the URL (a new history entry), dropping empty ones. */
  function setFilter(name: "status" | "tag" | "from" | "to", value: string) {
    setParams((previous) => {
      const next = new URLSearchParams(previous);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });
  }

  // A page that arrives after the filters changed again is dropped (the newest load wins).
  const generation = useRef(0);
  async function load(after: string | null) {
    const mine = ++generation.current;
    if (rangeError) {
      setRows([]);
      setHasMore(false);
      setLoading(false);
      return;
    }
    setLoading(true);
    try {
      const { sessions } = await client.request(Sessions, {
        status: filters.status || null,
        tag: filters.tag || null,
        createdFrom: filters.from ? startOfDay(filters.from).toISOString() : null,
        createdTo: filters.to ? startOfDay(filters.to, 1).toISOString() : null,
        after,
      });
      if (mine !== generation.current) return;
      setRows((previous) =>
        after ? [...previous, ...sessions.edges.map((e) => e.node)] : sessions.edges.map((e) => e.node),
      );
      setCursor(sessions.pageInfo.endCursor ?? null);
      setHasMore(sessions.pageInfo.hasNextPage);
      setError(null);
    } catch (caught) {
      if (mine === generation.current) setError((caught as Error).message);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }
  useEffect(() => {
    setTagDraft(filters.tag);
    void load(null);
  }, [filters.status, filters.tag, filters.from, filters.to]);

  function applyTag(event: FormEvent) {
    event.preventDefault();
    setFilter("tag", tagDraft.trim());
  }
  const filtered = Boolean(filters.status || filters.tag || filters.from || filters.to);

  return (
    <>
      <div className="page-head">
        <h1>Sessions</h1>
      </div>
      <search className="panel" aria-label="Filter sessions">
        <form onSubmit={applyTag} className="filters">
          <label>
            Status
            <br />
            <select
              name="status"
              value={filters.status}
              onChange={(e) => setFilter("status", e.target.value)}
            >
              <option value="">all</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Tag
            <br />
            <input
              name="tag"
              value={tagDraft}
              onChange={(e) => setTagDraft(e.target.value)}
              onBlur={() => {
                if (tagDraft.trim() !== filters.tag) setFilter("tag", tagDraft.trim());
              }}
              placeholder="e.g. vip"
            />
          </label>
          <label>
            Created from
            <br />
            <input
              name="from"
              type="date"
              value={filters.from}
              onChange={(e) => setFilter("from", e.target.value)}
            />
          </label>
          <label>
            to
            <br />
            <input
              name="to"
              type="date"
              value={filters.to}
              onChange={(e) => setFilter("to", e.target.value)}
            />
          </label>
          <div className="filter-actions">
            <button type="submit">Apply</button>
            {filtered ? (
              <Link href="/sessions" className="button secondary">
                Clear
              </Link>
            ) : null}
          </div>
        </form>
      </search>
      <section className="panel" aria-label="Session list" aria-busy={loading}>
        {error ? <p className="error">{error}</p> : null}
        {rangeError ? (
          <p className="error" role="alert">
            {rangeError}
          </p>
        ) : null}
        {!loading && rows.length === 0 ? <p className="muted">No sessions match.</p> : null}
        {rows.length ? (
          <Table columns={["Session", "Status", "Workflow", "Run", "Tags", "Created"]}>
            {rows.map((s) => (
              <tr key={s.id} data-session-id={s.id}>
                <td>
                  <Link href={`/sessions/${s.id}`}>{s.id}</Link>
                  {s.referenceId ? <div className="muted small">{s.referenceId}</div> : null}
                </td>
                <td>
                  <StatusBadge status={s.status} /> {s.result ? <StatusBadge status={s.result} /> : null}
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
                  {s.tags.map((t) => (
                    <span key={t} className="badge">
                      {t}
                    </span>
                  ))}
                </td>
                <td>{formatDateTime(s.createdAt)}</td>
              </tr>
            ))}
          </Table>
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
