import { describe, expect, it } from "vitest";
import { assessSessionRisk, type RiskCheckInput, riskLevelOf, riskRulesVersion } from "../src/index.ts";

function check(
  policy: string,
  result: string | null,
  output: Record<string, unknown> = {},
  attempts = 1,
): RiskCheckInput {
  return { id: `chk_${policy}`, nodeId: policy, policy, result, output, attempts };
}

/** [name, checks, expected score, expected level, expected signal codes] */
const table: [string, RiskCheckInput[], number, string, string[]][] = [
  ["no checks", [], 0, "low", []],
  [
    "all pass with catalog defaults",
    [
      check("document", "pass", { expired: false, confidence: 95 }),
      check("aml_screening", "pass", { score: 10 }),
    ],
    5,
    "low",
    ["aml_score"],
  ],
  ["a failed document", [check("document", "fail")], 40, "medium", ["check_failed"]],
  [
    "an errored check after retries",
    [check("selfie", "error", {}, 3)],
    25,
    "medium",
    ["check_errored", "check_retried"],
  ],
  ["high AML score", [check("aml_screening", "pass", { score: 85 })], 43, "medium", ["aml_score"]],
  [
    "sanctions and PEP",
    [check("aml_screening", "pass", { score: 60, sanctions: true, pep: true })],
    100,
    "critical",
    ["aml_score", "sanctions_match", "pep_match"],
  ],
  [
    "adverse media",
    [check("aml_screening", "pass", { score: 0, adverse_media: true })],
    15,
    "low",
    ["adverse_media"],
  ],
  [
    "expired, low-confidence document",
    [check("document", "pass", { expired: true, confidence: 30 })],
    40,
    "medium",
    ["document_confidence", "document_expired"],
  ],
  ["face mismatch", [check("selfie", "pass", { face_match: 40 })], 20, "low", ["face_mismatch"]],
  [
    "identity mismatch",
    [check("enhanced_identity", "pass", { name_match: true, dob_match: false })],
    20,
    "low",
    ["identity_mismatch"],
  ],
  [
    "address mismatch",
    [check("proof_of_address", "pass", { address_match: false })],
    15,
    "low",
    ["address_mismatch"],
  ],
  ["underage", [check("age", "pass", { over_18: false })], 30, "medium", ["underage"]],
  [
    "failed AML with a high score",
    [check("aml_screening", "fail", { score: 90 })],
    85,
    "critical",
    ["check_failed", "aml_score"],
  ],
  [
    "high but not critical",
    [check("document", "fail"), check("proof_of_address", "pass", { address_match: false })],
    55,
    "high",
    ["check_failed", "address_mismatch"],
  ],
  ["a running check counts nothing", [check("document", null)], 0, "low", []],
  [
    "capped at 100",
    [check("document", "fail"), check("selfie", "fail"), check("age", "fail")],
    100,
    "critical",
    ["check_failed", "check_failed", "check_failed"],
  ],
];

describe(`risk rules ${riskRulesVersion}`, () => {
  it.each(table)("%s", (_name, checks, score, level, codes) => {
    const result = assessSessionRisk(checks);
    expect(result).toMatchObject({ score, level, rulesVersion: riskRulesVersion });
    expect(result.signals.map((s) => s.code)).toEqual(codes);
    for (const signal of result.signals) {
      expect(signal.weight).toBeGreaterThan(0);
      expect(checks.some((c) => c.id === signal.checkId)).toBe(true);
    }
  });

  it.each([
    [0, "low"],
    [24, "low"],
    [25, "medium"],
    [49, "medium"],
    [50, "high"],
    [74, "high"],
    [75, "critical"],
    [100, "critical"],
  ] as const)("score %i is %s", (score, level) => {
    expect(riskLevelOf(score)).toBe(level);
  });
});
