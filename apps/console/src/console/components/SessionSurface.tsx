import { type FragmentOf, graphql, readFragment } from "@flowgate/client";
import { formatDateTime, pretty } from "../../shared/use-request.ts";
import { statusBadge } from "./status.ts";

/** What a session shows beside its run: tags, checks with their attempts, risk assessment, links. */
export const SessionSurfaceFields = graphql(`
  fragment SessionSurfaceFields on Session {
    tags
    checks {
      id nodeId policy status result error
      attempts { id number startedAt completedAt outcome error providerReference output }
    }
    riskAssessment { id score level rulesVersion createdAt signals { code description weight nodeId } }
    verificationLinks { id status uses maxUses expiresAt sentTo lastUsedAt revokedAt createdAt }
  }
`);

const riskBadge = { low: "ok", medium: "warn", high: "bad", critical: "bad" } as const;

/**
 * The session's checks (one row per policy node of the current run, its attempts behind a disclosure),
 * its risk assessment with the signals that produced the score, its one-time links and its tags.
 * Compact: each part is a short table or list, and says so when there is nothing yet.
 */
export function SessionSurface({ data }: { data: FragmentOf<typeof SessionSurfaceFields> }) {
  const session = readFragment(SessionSurfaceFields, data);
  const risk = session.riskAssessment;
  return (
    <section className="panel session-surface" aria-labelledby="surface-title" data-testid="session-surface">
      <h2 id="surface-title">Checks, risk and links</h2>
      <p className="row small" data-testid="session-tags">
        <span className="muted">Tags:</span>{" "}
        {session.tags.length
          ? session.tags.map((tag) => (
              <span key={tag} className="badge">
                {tag}
              </span>
            ))
          : "none"}
      </p>

      <h3>Checks</h3>
      {session.checks.length === 0 ? <p className="muted small">No check has run yet.</p> : null}
      {session.checks.map((check) => (
        <details key={check.id} className="check" data-check-node={check.nodeId}>
          <summary>
            <strong>{check.nodeId}</strong> <span className="muted small">{check.policy}</span>{" "}
            <span className={`badge ${statusBadge(check.status)}`}>{check.status}</span>{" "}
            {check.result ? <span className="small">{check.result}</span> : null}{" "}
            <span className="muted small">
              · {check.attempts.length} attempt{check.attempts.length === 1 ? "" : "s"}
            </span>
          </summary>
          {check.error ? <p className="error small">{check.error}</p> : null}
          <ol className="attempts">
            {check.attempts.map((attempt) => (
              <li key={attempt.id} data-attempt={attempt.number}>
                #{attempt.number} {attempt.outcome ?? "running"} · {formatDateTime(attempt.startedAt)}
                {attempt.providerReference ? (
                  <span className="muted"> · {attempt.providerReference}</span>
                ) : null}
                {attempt.error ? <div className="error small">{attempt.error}</div> : null}
                {attempt.output ? <pre>{pretty(attempt.output)}</pre> : null}
              </li>
            ))}
          </ol>
        </details>
      ))}

      <h3>Risk</h3>
      {risk ? (
        <div data-testid="risk-assessment">
          <p>
            <span className={`badge ${riskBadge[risk.level]}`}>{risk.level}</span> score{" "}
            <strong>{risk.score}</strong>
            /100 <span className="muted small">· rules {risk.rulesVersion}</span>
          </p>
          {risk.signals.length ? (
            <ul className="small">
              {risk.signals.map((signal) => (
                <li key={`${signal.nodeId}-${signal.code}`}>
                  +{signal.weight} <code>{signal.code}</code> ({signal.nodeId}): {signal.description}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted small">No risk signal.</p>
          )}
        </div>
      ) : (
        <p className="muted small">Assessed when the run ends.</p>
      )}

      <h3>Verification links</h3>
      {session.verificationLinks.length === 0 ? (
        <p className="muted small">No link.</p>
      ) : (
        <ul className="small" data-testid="verification-links">
          {session.verificationLinks.map((link) => (
            <li key={link.id}>
              <code>{link.id}</code>{" "}
              <span className={`badge ${statusBadge(link.status)}`}>{link.status}</span> {link.uses}/
              {link.maxUses} used · expires {formatDateTime(link.expiresAt)}
              {link.sentTo ? ` · sent to ${link.sentTo}` : ""}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
