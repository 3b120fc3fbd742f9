import { graphql } from "@flowgate/client";
import { useState } from "react";
import { Link, useSearch } from "wouter";
import { formatDateTime, useRequest } from "../../shared/use-request.ts";
import { client } from "../api.ts";
import { StatusBadge } from "../components/StatusBadge.tsx";
import { Table } from "../components/Table.tsx";

const Responses = graphql(`
  query Responses($status: ResponseStatus, $questionnaireId: ID) {
    responses(status: $status, questionnaireId: $questionnaireId, first: 100) {
      edges {
        node {
          id name status createdAt updatedAt submittedAt
          entity { id displayName }
          questionnaire { id name }
        }
      }
    }
  }
`);

const statuses = [
  "PREFILL",
  "DRAFT",
  "SUBMITTED",
  "UNDER_REVIEW",
  "CHANGES_REQUESTED",
  "RESUBMITTED",
  "REVIEWED",
  "APPROVED",
  "REJECTED",
] as const;

/** DDQ responses with status and questionnaire filters. */
export function ResponsesPage() {
  const search = new URLSearchParams(useSearch());
  const questionnaireId = search.get("questionnaireId");
  const [status, setStatus] = useState<"" | (typeof statuses)[number]>("");
  const list = useRequest(
    () => client.request(Responses, { status: status || null, questionnaireId }),
    [status, questionnaireId],
  );
  const rows = list.data?.responses.edges.map((e) => e.node) ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Responses</h1>
        <label className="inline">
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">all</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {questionnaireId ? (
        <p className="muted">
          Questionnaire {questionnaireId} only · <Link href="/responses">all questionnaires</Link>
        </p>
      ) : null}
      <section className="panel" aria-label="Response list">
        {list.error ? <p className="error">{list.error.message}</p> : null}
        {list.data && rows.length === 0 ? <p className="muted">No responses match.</p> : null}
        {rows.length ? (
          <Table columns={["Response", "Status", "Entity", "Questionnaire", "Submitted"]}>
            {rows.map((r) => (
              <tr key={r.id} data-response-id={r.id}>
                <td>
                  <Link href={`/responses/${r.id}`}>{r.name}</Link>
                  <div className="muted small">{r.id}</div>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>{r.entity?.displayName ?? "—"}</td>
                <td>{r.questionnaire?.name ?? "—"}</td>
                <td>{formatDateTime(r.submittedAt)}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </section>
    </>
  );
}
