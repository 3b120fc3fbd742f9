/**
 * Session risk assessment: a documented, versioned rule set over a session's verification checks.
 *
 * Rules `2026-11-30.1` (each signal's weight adds to the score, capped at 100):
 *
 * | signal                  | when                                                                  | weight       |
 * | ----------------------- | --------------------------------------------------------------------- | ------------ |
 * | `check_failed`          | a check ended `fail`                                                  | 40           |
 * | `check_errored`         | a check ended `error` (it could not be verified)                      | 20           |
 * | `check_retried`         | a check needed more than one attempt                                  | 5            |
 * | `aml_score`             | an `aml_screening` check's `output.score` (0–100)                     | score × 0.5  |
 * | `sanctions_match`       | an `aml_screening` check's `output.sanctions` is true                 | 50           |
 * | `pep_match`             | an `aml_screening` check's `output.pep` is true                       | 20           |
 * | `adverse_media`         | an `aml_screening` check's `output.adverse_media` is true             | 15           |
 * | `document_confidence`   | a `document` check's `output.confidence` (0–100) is below 50          | 25           |
 * | `document_expired`      | a `document` check's `output.expired` is true                         | 15           |
 * | `face_mismatch`         | a `selfie` check's `output.face_match` (0–100) is below 60            | 20           |
 * | `identity_mismatch`     | an `enhanced_identity` check's `output.name_match`/`dob_match` false  | 20           |
 * | `address_mismatch`      | a `proof_of_address` check's `output.address_match` is false          | 15           |
 * | `underage`              | an `age` check's `output.over_18` is false                            | 30           |
 *
 * Levels: `low` < 25 ≤ `medium` < 50 ≤ `high` < 75 ≤ `critical`. A new rule set gets a new version; an
 * assessment is stored with the version that produced it.
 */

/** The version of {@link assessSessionRisk}'s rules. */
export const riskRulesVersion = "2026-11-30.1";

/** Risk levels, lowest first. */
export const riskLevels = ["low", "medium", "high", "critical"] as const;

/** One of {@link riskLevels}. */
export type RiskLevel = (typeof riskLevels)[number];

/** What the rules read of a check. */
export interface RiskCheckInput {
  /** Check id (`chk_…`), named by the signals it produces. */
  id: string;
  nodeId: string;
  policy: string;
  /** `pass`, `fail`, `error`, or null while it runs. */
  result: string | null;
  output: Record<string, unknown> | null;
  /** How many attempts it took. */
  attempts: number;
}

/** A reason the score went up: its code, weight and the check it came from. */
export interface RiskSignal {
  code: string;
  description: string;
  weight: number;
  /** The check (`chk_…`) it came from. */
  checkId: string;
  /** The check's node id. */
  nodeId: string;
}

/** A session's risk: 0–100, its level, the signals behind it, and the rules version. */
export interface RiskAssessmentResult {
  score: number;
  level: RiskLevel;
  signals: RiskSignal[];
  rulesVersion: string;
}

/**
 * The level of a score: below 25 low, below 50 medium, below 75 high, else critical.
 *
 * @param score - 0–100.
 */
export function riskLevelOf(score: number): RiskLevel {
  if (score < 25) return "low";
  if (score < 50) return "medium";
  if (score < 75) return "high";
  return "critical";
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * Applies the rules (see the module comment) to a session's checks.
 *
 * @param checks - The checks of the session's run.
 */
export function assessSessionRisk(checks: readonly RiskCheckInput[]): RiskAssessmentResult {
  const signals: RiskSignal[] = [];
  const add = (check: RiskCheckInput, code: string, weight: number, description: string) => {
    if (weight > 0)
      signals.push({
        code,
        description,
        weight: Math.round(weight),
        checkId: check.id,
        nodeId: check.nodeId,
      });
  };
  for (const check of checks) {
    const output = check.output ?? {};
    if (check.result === "fail") add(check, "check_failed", 40, `${check.policy} check failed`);
    if (check.result === "error")
      add(check, "check_errored", 20, `${check.policy} check could not be completed`);
    if (check.attempts > 1)
      add(check, "check_retried", 5, `${check.policy} check took ${check.attempts} attempts`);
    switch (check.policy) {
      case "aml_screening": {
        const score = num(output.score);
        if (score !== null) {
          add(check, "aml_score", Math.min(100, Math.max(0, score)) * 0.5, `screening score ${score}`);
        }
        if (output.sanctions === true) add(check, "sanctions_match", 50, "screening found a sanctions match");
        if (output.pep === true) add(check, "pep_match", 20, "screening found a politically exposed person");
        if (output.adverse_media === true) add(check, "adverse_media", 15, "screening found adverse media");
        break;
      }
      case "document": {
        const confidence = num(output.confidence);
        if (confidence !== null && confidence < 50) {
          add(check, "document_confidence", 25, `document confidence ${confidence}`);
        }
        if (output.expired === true) add(check, "document_expired", 15, "the document has expired");
        break;
      }
      case "selfie": {
        const face = num(output.face_match);
        if (face !== null && face < 60) add(check, "face_mismatch", 20, `face match ${face}`);
        break;
      }
      case "enhanced_identity":
        if (output.name_match === false || output.dob_match === false) {
          add(check, "identity_mismatch", 20, "name or date of birth does not match the sources");
        }
        break;
      case "proof_of_address":
        if (output.address_match === false) add(check, "address_mismatch", 15, "the address does not match");
        break;
      case "age":
        if (output.over_18 === false) add(check, "underage", 30, "below the age threshold");
        break;
      default:
        break;
    }
  }
  const score = Math.min(
    100,
    signals.reduce((sum, signal) => sum + signal.weight, 0),
  );
  return { score, level: riskLevelOf(score), signals, rulesVersion: riskRulesVersion };
}
