import { createRecipientClient, linkRefusalCode, type ResultOf, recipientGraphql } from "@flowgate/client";
import { type FormEvent, useEffect, useMemo, useState } from "react";
import { formatDateTime } from "../shared/use-request.ts";
import { isAnswered, visibleQuestionIds } from "./visibility.ts";

const LinkQuery = recipientGraphql(`
  query RecipientLink {
    link {
      workflowSessionId entityName expiresAt completedAt
      steps { kind status completedAt }
      verificationChecks { document identity enhancedIdentity proofOfAddress }
      questionnaire {
        name description version
        sections {
          id title description
          questions {
            id label help type required visible
            options { label value }
            visibleIf { questionId operator value }
          }
        }
      }
      response { id name status editable submittedAt answers { questionId value } }
    }
  }
`);

const SaveAnswers = recipientGraphql(`
  mutation SaveAnswers($answers: [AnswerInput!]!) {
    saveAnswers(answers: $answers) {
      __typename
      ... on Response { id status answers { questionId value } }
      ... on ValidationError { message issues { path message } }
      ... on ConflictError { message currentStatus }
    }
  }
`);

const SubmitAnswers = recipientGraphql(`
  mutation SubmitAnswers {
    submitResponse {
      __typename
      ... on Response { id status submittedAt }
      ... on ValidationError { message issues { path message } }
      ... on ConflictError { message currentStatus }
    }
  }
`);

const CompleteVerification = recipientGraphql(`
  mutation CompleteVerification {
    completeVerification {
      __typename
      ... on Link { completedAt steps { kind status completedAt } }
      ... on Error { message }
    }
  }
`);

type Link = ResultOf<typeof LinkQuery>["link"];
type Question = NonNullable<Link["questionnaire"]>["sections"][number]["questions"][number];

const refusals = {
  LINK_MISSING: {
    title: "This link is incomplete",
    text: "The address has no access code. Open the link from your email again, all of it.",
  },
  LINK_INVALID: {
    title: "This link is not valid",
    text: "We could not find this link. Check that you opened the whole address from the email, or ask the sender for a new one.",
  },
  LINK_EXPIRED: {
    title: "This link has expired",
    text: "Links are valid for a limited time. Ask the sender to send you a new one; your saved answers are kept.",
  },
  LINK_REVOKED: {
    title: "This link is no longer valid",
    text: "The sender withdrew this link, or it was replaced by a newer one. Ask the sender if you still need to answer.",
  },
} as const;

/** The magic-link page: the steps, the questionnaire as a form (save as draft, submit), verification. */
export function RecipientPage({ token }: { token: string | null }) {
  const api = useMemo(
    () => (token ? createRecipientClient({ url: "/recipient/graphql", token }) : null),
    [token],
  );
  const [link, setLink] = useState<Link | null>(null);
  const [refusal, setRefusal] = useState<keyof typeof refusals | null>(token ? null : "LINK_MISSING");
  const [loadError, setLoadError] = useState<string | null>(null);

  const load = async () => {
    if (!api) return;
    try {
      setLink((await api.request(LinkQuery)).link);
      setLoadError(null);
    } catch (caught) {
      const code = linkRefusalCode(caught);
      if (code) setRefusal(code);
      else setLoadError((caught as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, [api]);

  if (refusal) {
    const { title, text } = refusals[refusal];
    return (
      <main className="recipient link-problem" data-link-problem={refusal}>
        <h1>{title}</h1>
        <p>{text}</p>
      </main>
    );
  }
  if (loadError)
    return (
      <main className="recipient link-problem">
        <h1>We could not load your questionnaire</h1>
        <p>{loadError}</p>
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </main>
    );
  if (!link || !api)
    return (
      <main className="recipient">
        <p className="muted">Loading…</p>
      </main>
    );
  return <LinkView link={link} api={api} onRefused={setRefusal} onChanged={load} />;
}

function LinkView({
  link,
  api,
  onRefused,
  onChanged,
}: {
  link: Link;
  api: ReturnType<typeof createRecipientClient>;
  onRefused(code: keyof typeof refusals): void;
  onChanged(): Promise<void>;
}) {
  const questions = useMemo(() => link.questionnaire?.sections.flatMap((s) => s.questions) ?? [], [link]);
  const saved = useMemo(
    () =>
      Object.fromEntries((link.response?.answers ?? []).map((a) => [a.questionId, a.value])) as Record<
        string,
        unknown
      >,
    [link],
  );
  const [answers, setAnswers] = useState<Record<string, unknown>>(saved);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: "error" | "notice"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const visible = visibleQuestionIds(
    questions.map((q) => ({
      id: q.id,
      visibleIf: q.visibleIf ? { ...q.visibleIf, value: q.visibleIf.value } : null,
    })),
    answers,
  );
  const editable = link.response?.editable ?? false;

  const setAnswer = (id: string, value: unknown) => {
    setAnswers((current) => ({ ...current, [id]: value }));
    setErrors((current) => {
      const { [id]: _, ...rest } = current;
      return rest;
    });
  };

  /** Every question: its answer while visible and answered, else null when something was saved before. */
  const payload = () =>
    questions.flatMap((q) => {
      const value = answers[q.id];
      if (visible.has(q.id) && isAnswered(value)) return [{ questionId: q.id, value }];
      return q.id in saved ? [{ questionId: q.id, value: null }] : [];
    });

  const issuesToErrors = (issues: readonly { path: readonly string[]; message: string }[]) => {
    const byQuestion: Record<string, string> = {};
    for (const issue of issues) {
      const id = issue.path[0] === "answers" ? issue.path[1] : undefined;
      if (id) byQuestion[id] = issue.message;
    }
    setErrors(byQuestion);
  };

  async function guarded(work: () => Promise<void>) {
    setBusy(true);
    setStatus(null);
    try {
      await work();
    } catch (caught) {
      const code = linkRefusalCode(caught);
      if (code) onRefused(code);
      else setStatus({ kind: "error", text: (caught as Error).message });
    } finally {
      setBusy(false);
    }
  }

  const save = async (): Promise<boolean> => {
    const { saveAnswers: result } = await api.request(SaveAnswers, { answers: payload() });
    if (result.__typename === "Response") return true;
    if (result.__typename === "ValidationError") issuesToErrors(result.issues);
    setStatus({ kind: "error", text: result.message });
    return false;
  };

  const onSave = () =>
    guarded(async () => {
      if (await save()) {
        setStatus({ kind: "notice", text: `Draft saved at ${new Date().toLocaleTimeString()}.` });
        await onChanged();
      }
    });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void guarded(async () => {
      const missing: Record<string, string> = {};
      for (const q of questions) {
        if (q.required && visible.has(q.id) && !isAnswered(answers[q.id]))
          missing[q.id] = "This question is required.";
      }
      if (Object.keys(missing).length) {
        setErrors(missing);
        setStatus({ kind: "error", text: "Some required questions are not answered yet." });
        document.getElementById(`q-${Object.keys(missing)[0]}`)?.focus();
        return;
      }
      if (!(await save())) return;
      const { submitResponse: result } = await api.request(SubmitAnswers);
      if (result.__typename === "Response") {
        await onChanged();
        return;
      }
      if (result.__typename === "ValidationError") issuesToErrors(result.issues);
      setStatus({ kind: "error", text: result.message });
    });
  };

  const verificationStep = link.steps.find((s) => s.kind === "verification");
  return (
    <main className="recipient">
      <header>
        <p className="muted small">Requested for {link.entityName}</p>
        <h1>{link.questionnaire?.name ?? "Your verification"}</h1>
        {link.questionnaire?.description ? <p>{link.questionnaire.description}</p> : null}
        <ol className="steps" aria-label="Steps">
          {link.steps.map((step) => (
            <li
              key={step.kind}
              className={step.status === "completed" ? "done" : ""}
              data-step={step.kind}
              data-step-status={step.status}
            >
              {step.kind === "ddq" ? "Questionnaire" : "Identity verification"}: {step.status}
            </li>
          ))}
        </ol>
        <p className="muted small">This link is valid until {formatDateTime(link.expiresAt)}.</p>
      </header>

      {verificationStep && link.verificationChecks ? (
        <section className="panel" aria-labelledby="verification-title">
          <h2 id="verification-title">Identity verification</h2>
          <p>You are asked for:</p>
          <ul>
            {link.verificationChecks.document ? (
              <li>an identity document (passport, ID card or driving licence)</li>
            ) : null}
            {link.verificationChecks.identity ? <li>a selfie / liveness check</li> : null}
            {link.verificationChecks.enhancedIdentity ? <li>an enhanced video identity check</li> : null}
            {link.verificationChecks.proofOfAddress ? <li>a proof of address</li> : null}
          </ul>
          {verificationStep.status === "completed" ? (
            <p className="notice">Completed {formatDateTime(verificationStep.completedAt)}.</p>
          ) : (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() =>
                guarded(async () => {
                  const { completeVerification: result } = await api.request(CompleteVerification);
                  if (result.__typename === "Link") await onChanged();
                  else setStatus({ kind: "error", text: result.message });
                })
              }
            >
              Complete verification (sandbox)
            </button>
          )}
        </section>
      ) : null}

      {link.questionnaire && link.response ? (
        editable ? (
          <form onSubmit={onSubmit} noValidate aria-labelledby="questionnaire-title">
            <h2 id="questionnaire-title" className="visually-hidden">
              Questionnaire
            </h2>
            {link.response.status === "CHANGES_REQUESTED" ? (
              <p className="notice">The sender asked for changes: update your answers and submit again.</p>
            ) : null}
            {link.questionnaire.sections.map((section) => {
              const shown = section.questions.filter((q) => visible.has(q.id));
              if (shown.length === 0) return null;
              return (
                <section className="panel" key={section.id} aria-labelledby={`s-${section.id}`}>
                  <h2 id={`s-${section.id}`}>{section.title}</h2>
                  {section.description ? <p className="muted">{section.description}</p> : null}
                  {shown.map((q) => (
                    <QuestionField
                      key={q.id}
                      question={q}
                      value={answers[q.id]}
                      error={errors[q.id]}
                      onChange={(v) => setAnswer(q.id, v)}
                    />
                  ))}
                </section>
              );
            })}
            <div className="actions">
              <button type="button" className="secondary" onClick={onSave} disabled={busy}>
                Save draft
              </button>
              <button type="submit" disabled={busy}>
                Submit
              </button>
              {status ? (
                <span className={status.kind} role={status.kind === "error" ? "alert" : "status"}>
                  {status.text}
                </span>
              ) : null}
            </div>
          </form>
        ) : (
          <section className="panel" data-response-status={link.response.status}>
            <h2>Thank you</h2>
            <p>
              Your answers were submitted {formatDateTime(link.response.submittedAt)} (status{" "}
              {link.response.status}). You can close this page.
            </p>
          </section>
        )
      ) : null}
      {!link.questionnaire && status ? <p className={status.kind}>{status.text}</p> : null}
    </main>
  );
}

function QuestionField({
  question,
  value,
  error,
  onChange,
}: {
  question: Question;
  value: unknown;
  error: string | undefined;
  onChange(value: unknown): void;
}) {
  const id = `q-${question.id}`;
  const describedBy =
    [question.help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") ||
    undefined;
  const required = question.required ? (
    <span className="required-mark" aria-hidden="true">
      {" "}
      *
    </span>
  ) : null;
  const help = question.help ? (
    <p className="help" id={`${id}-help`}>
      {question.help}
    </p>
  ) : null;
  const errorLine = error ? (
    <p className="field-error" id={`${id}-error`}>
      {error}
    </p>
  ) : null;
  const common = {
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    "aria-required": question.required,
  };

  switch (question.type) {
    case "text":
    case "file_reference":
    case "number":
    case "date":
    case "long_text": {
      const input =
        question.type === "long_text" ? (
          <textarea
            id={id}
            name={question.id}
            rows={4}
            value={typeof value === "string" ? value : ""}
            onChange={(e) => onChange(e.target.value)}
            {...common}
          />
        ) : (
          <input
            id={id}
            name={question.id}
            type={question.type === "number" ? "number" : question.type === "date" ? "date" : "text"}
            inputMode={question.type === "number" ? "decimal" : undefined}
            placeholder={question.type === "file_reference" ? "File id or URL" : undefined}
            value={value === undefined || value === null ? "" : String(value)}
            onChange={(e) => {
              const raw = e.target.value;
              if (question.type !== "number") onChange(raw);
              else onChange(raw === "" ? undefined : Number.isFinite(Number(raw)) ? Number(raw) : raw);
            }}
            {...common}
          />
        );
      return (
        <div className="question" data-question-id={question.id}>
          <label htmlFor={id}>
            {question.label}
            {required}
          </label>
          {help}
          {input}
          {errorLine}
        </div>
      );
    }
    case "yes_no":
    case "single_choice":
    case "multiple_choice": {
      const options =
        question.type === "yes_no"
          ? [
              { label: "Yes", value: true as unknown },
              { label: "No", value: false as unknown },
            ]
          : question.options.map((o) => ({ label: o.label, value: o.value as unknown }));
      const multiple = question.type === "multiple_choice";
      const list = Array.isArray(value) ? (value as unknown[]) : [];
      return (
        <fieldset
          className="question"
          data-question-id={question.id}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
        >
          <legend>
            {question.label}
            {required}
          </legend>
          {help}
          {options.map((option, index) => (
            <label className="inline" key={String(option.value)}>
              <input
                id={index === 0 ? id : undefined}
                type={multiple ? "checkbox" : "radio"}
                name={question.id}
                value={String(option.value)}
                checked={multiple ? list.includes(option.value) : value === option.value}
                onChange={(e) => {
                  if (!multiple) onChange(option.value);
                  else
                    onChange(
                      e.target.checked ? [...list, option.value] : list.filter((v) => v !== option.value),
                    );
                }}
              />
              {option.label}
            </label>
          ))}
          {errorLine}
        </fieldset>
      );
    }
    default: {
      const never: never = question.type;
      return <p className="error">Unknown question type {String(never)}</p>;
    }
  }
}
