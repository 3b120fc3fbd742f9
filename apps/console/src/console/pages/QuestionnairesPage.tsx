import { graphql } from "@flowgate/client";
import { useState } from "react";
import { Link } from "wouter";
import { formatDateTime, useRequest } from "../../shared/use-request.ts";
import { client } from "../api.ts";

const Questionnaires = graphql(`
  query Questionnaires {
    questionnaires(first: 100) {
      edges {
        node {
          id name description currentVersion updatedAt
          sections {
            id title description
            questions { id label type required help entityField options { label value } visibleIf { questionId operator value } }
          }
        }
      }
    }
  }
`);

/** Questionnaires (DDQ templates) with their sections and questions. */
export function QuestionnairesPage() {
  const list = useRequest(() => client.request(Questionnaires), []);
  const [open, setOpen] = useState<string | null>(null);
  const questionnaires = list.data?.questionnaires.edges.map((e) => e.node) ?? [];
  return (
    <>
      <div className="page-head">
        <h1>Questionnaires</h1>
      </div>
      {list.error ? <p className="error">{list.error.message}</p> : null}
      {list.data && questionnaires.length === 0 ? (
        <p className="muted">No questionnaires yet (create them with the API's createQuestionnaire).</p>
      ) : null}
      {questionnaires.map((q) => (
        <section className="panel" key={q.id} aria-labelledby={`q-${q.id}`}>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <h2 id={`q-${q.id}`}>
              {q.name} <span className="badge">v{q.currentVersion}</span>
            </h2>
            <div className="row">
              <Link href={`/responses?questionnaireId=${q.id}`}>Responses</Link>
              <button
                type="button"
                className="secondary"
                aria-expanded={open === q.id}
                onClick={() => setOpen(open === q.id ? null : q.id)}
              >
                {open === q.id ? "Hide questions" : "Show questions"}
              </button>
            </div>
          </div>
          <p className="muted small">
            {q.id} · updated {formatDateTime(q.updatedAt)} {q.description ? `· ${q.description}` : ""}
          </p>
          {open === q.id
            ? q.sections.map((section) => (
                <div key={section.id}>
                  <h3>{section.title}</h3>
                  <ol>
                    {section.questions.map((question) => (
                      <li key={question.id}>
                        {question.label} <span className="badge">{question.type}</span>{" "}
                        {question.required ? <span className="badge warn">required</span> : null}{" "}
                        {question.visibleIf ? (
                          <span className="muted small">
                            shown if {question.visibleIf.questionId} {question.visibleIf.operator}{" "}
                            {JSON.stringify(question.visibleIf.value ?? "")}
                          </span>
                        ) : null}
                        {question.entityField ? (
                          <span className="muted small"> · autofill from {question.entityField}</span>
                        ) : null}
                      </li>
                    ))}
                  </ol>
                </div>
              ))
            : null}
        </section>
      ))}
    </>
  );
}
