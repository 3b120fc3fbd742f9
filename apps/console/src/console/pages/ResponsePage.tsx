import { graphql } from "@flowgate/client";
import { useState } from "react";
import { Link } from "wouter";
import { formatDateTime, useRequest } from "../../shared/use-request.ts";
import { client, problem } from "../api.ts";
import { statusBadge } from "../components/status.ts";
import { Table } from "../components/Table.tsx";

const ResponseDetail = graphql(`
  query ResponseDetail($id: ID!) {
    response(id: $id) {
      id name status createdAt updatedAt submittedAt sentAt questionnaireVersion runId workflowSessionId
      entity { id displayName email }
      questionnaire { id name }
      sections {
        id title
        questions { id label type required options { label value } }
      }
      answers {
        questionId value
        source { kind provider deterministic field responseId note confidence }
      }
      events { id type fromStatus toStatus actor createdAt data }
    }
  }
`);

const StartReview = graphql(`
  mutation StartReview($id: ID!, $note: String) {
    startReview(responseId: $id, note: $note) { __typename ... on Response { id status } ... on ConflictError { message currentStatus } ... on Error { message } }
  }
`);
const RequestChanges = graphql(`
  mutation RequestChanges($id: ID!, $note: String) {
    requestChanges(responseId: $id, note: $note) { __typename ... on Response { id status } ... on ConflictError { message currentStatus } ... on Error { message } }
  }
`);
const MarkReviewed = graphql(`
  mutation MarkReviewed($id: ID!, $note: String) {
    markReviewed(responseId: $id, note: $note) { __typename ... on Response { id status } ... on ConflictError { message currentStatus } ... on Error { message } }
  }
`);
const Approve = graphql(`
  mutation Approve($id: ID!, $note: String) {
    approveResponse(responseId: $id, note: $note) { __typename ... on Response { id status } ... on ConflictError { message currentStatus } ... on Error { message } }
  }
`);
const Reject = graphql(`
  mutation Reject($id: ID!, $note: String) {
    rejectResponse(responseId: $id, note: $note) { __typename ... on Response { id status } ... on ConflictError { message currentStatus } ... on Error { message } }
  }
`);

const actionsByStatus: Record<
  string,
  ("startReview" | "requestChanges" | "markReviewed" | "approve" | "reject")[]
> = {
  SUBMITTED: ["startReview"],
  RESUBMITTED: ["startReview"],
  UNDER_REVIEW: ["approve", "reject", "requestChanges", "markReviewed"],
  REVIEWED: ["approve", "reject"],
};

/** One response: answers with their autofill sources, its history, and the review (approve/reject with a reason). */
export function ResponsePage({ responseId }: { responseId: string }) {
  const detail = useRequest(() => client.request(ResponseDetail, { id: responseId }), [responseId]);
  const [note, setNote] = useState("");
  const [message, setMessage] = useState<{ kind: "error" | "notice"; text: string } | null>(null);
  const response = detail.data?.response;
  if (detail.error) return <p className="error">{detail.error.message}</p>;
  if (!detail.data) return <p className="muted">Loading…</p>;
  if (!response) return <p className="error">Response {responseId} was not found.</p>;

  async function review(action: "startReview" | "requestChanges" | "markReviewed" | "approve" | "reject") {
    if (action === "reject" && !note.trim()) {
      setMessage({ kind: "error", text: "Give a reason to reject the response." });
      return;
    }
    const variables = { id: responseId, note: note.trim() || null };
    const data =
      action === "startReview"
        ? (await client.request(StartReview, variables)).startReview
        : action === "requestChanges"
          ? (await client.request(RequestChanges, variables)).requestChanges
          : action === "markReviewed"
            ? (await client.request(MarkReviewed, variables)).markReviewed
            : action === "approve"
              ? (await client.request(Approve, variables)).approveResponse
              : (await client.request(Reject, variables)).rejectResponse;
    if (data.__typename === "Response") {
      setMessage({ kind: "notice", text: `Now ${data.status}.` });
      setNote("");
    } else setMessage({ kind: "error", text: problem(data) });
    await detail.reload();
  }

  const answers = new Map(response.answers.map((a) => [a.questionId, a]));
  const labels: Record<string, string> = {
    startReview: "Start review",
    requestChanges: "Request changes",
    markReviewed: "Mark reviewed",
    approve: "Approve",
    reject: "Reject",
  };
  return (
    <>
      <div className="page-head">
        <div>
          <p className="small muted">
            <Link href="/responses">Responses</Link> / {response.id}
          </p>
          <h1>
            {response.name}{" "}
            <span className={`badge ${statusBadge(response.status)}`} data-testid="response-status">
              {response.status}
            </span>
          </h1>
          <p className="muted small">
            {response.entity?.displayName ?? "—"} · {response.questionnaire?.name} v
            {response.questionnaireVersion} · submitted {formatDateTime(response.submittedAt)}
          </p>
        </div>
      </div>
      {message ? (
        <p className={message.kind} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      ) : null}
      {actionsByStatus[response.status] ? (
        <section className="panel" aria-labelledby="review-title">
          <h2 id="review-title">Review</h2>
          <label htmlFor="review-note">Reason / note</label>
          <textarea id="review-note" rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
          <p className="row">
            {actionsByStatus[response.status]!.map((action) => (
              <button
                key={action}
                type="button"
                className={action === "reject" ? "danger" : action === "approve" ? "" : "secondary"}
                onClick={() => review(action)}
              >
                {labels[action]}
              </button>
            ))}
          </p>
        </section>
      ) : null}
      <section className="panel" aria-labelledby="answers-title">
        <h2 id="answers-title">Answers</h2>
        {response.sections.map((section) => (
          <div key={section.id}>
            <h3>{section.title}</h3>
            <Table columns={["Question", "Answer", "Source"]}>
              {section.questions.map((q) => {
                const answer = answers.get(q.id);
                const optionLabel = (value: unknown) =>
                  q.options.find((o) => o.value === value)?.label ?? String(value);
                const shown =
                  answer === undefined
                    ? "—"
                    : Array.isArray(answer.value)
                      ? answer.value.map(optionLabel).join(", ")
                      : typeof answer.value === "boolean"
                        ? answer.value
                          ? "Yes"
                          : "No"
                        : q.options.length
                          ? optionLabel(answer.value)
                          : String(answer.value);
                return (
                  <tr key={q.id} data-question-id={q.id}>
                    <td>
                      {q.label} {q.required ? <span className="muted small">(required)</span> : null}
                    </td>
                    <td>{shown}</td>
                    <td className="small">
                      {answer?.source ? (
                        <>
                          <span className="badge">{answer.source.kind}</span> {answer.source.provider}
                          {answer.source.deterministic ? " (deterministic)" : ""}
                          {answer.source.field ? ` · field ${answer.source.field}` : ""}
                          {answer.source.responseId ? (
                            <>
                              {" · from "}
                              <Link href={`/responses/${answer.source.responseId}`}>
                                {answer.source.responseId}
                              </Link>
                            </>
                          ) : null}
                          <div className="muted">{answer.source.note}</div>
                        </>
                      ) : answer ? (
                        "entered"
                      ) : (
                        ""
                      )}
                    </td>
                  </tr>
                );
              })}
            </Table>
          </div>
        ))}
      </section>
      <section className="panel" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <ol>
          {response.events.map((e) => (
            <li key={e.id}>
              {formatDateTime(e.createdAt)} · {e.type}
              {e.fromStatus || e.toStatus ? ` (${e.fromStatus ?? "—"} → ${e.toStatus ?? "—"})` : ""} ·{" "}
              {e.actor ?? "system"}
              {typeof e.data.note === "string" ? <span className="muted"> · “{e.data.note}”</span> : null}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
