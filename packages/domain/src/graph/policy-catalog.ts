import { z } from "zod";

/** Type of one value in a policy's output. */
export type PolicyOutputType = "number" | "string" | "boolean" | "string[]";

/** One value a policy check produces; conditions read it as `<nodeId>.output.<key>`. */
export interface PolicyOutputField {
  /** Key in the output object. */
  key: string;
  /** Type of the value. */
  type: PolicyOutputType;
  /** What the value means. */
  description: string;
}

/** A verification check that `policy` nodes can run through a provider. */
export interface PolicyDefinition {
  /** Name used in graphs (`"policy": "<name>"`). */
  name: string;
  /** What the check verifies. */
  description: string;
  /** Values the check produces. */
  outputs: PolicyOutputField[];
  /** Output of a passing sandbox check. */
  defaultOutput: Record<string, unknown>;
  /**
   * Schema of the node's `config` for this check; graph validation parses `config` with it and the
   * policy catalog publishes it as JSON Schema ({@link policyConfigJsonSchema}). Unknown keys are refused.
   */
  config: z.ZodType<Record<string, unknown>>;
}

/** A score from 0 to 100. */
const score = () => z.number().min(0).max(100);

/** An ISO 3166-1 alpha-2 country code. */
const countryCode = () =>
  z
    .string()
    .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code such as GB")
    .describe("ISO 3166-1 alpha-2 country code.");

/** Per-policy config schemas; each is strict so a misspelt key is an error, not silently ignored. */
const policyConfigs = {
  document: z.strictObject({
    accepted: z
      .array(z.enum(["passport", "id_card", "driving_license"]))
      .min(1)
      .optional()
      .describe("Document types accepted (default: all)."),
    allowed_countries: z
      .array(countryCode())
      .min(1)
      .optional()
      .describe("Issuing countries accepted (default: all)."),
    min_confidence: score().optional().describe("Lowest authenticity confidence that passes (default 80)."),
    allow_expired: z.boolean().optional().describe("Whether an expired document can pass (default false)."),
  }),
  selfie: z.strictObject({
    min_face_match: score().optional().describe("Lowest face similarity that passes (default 80)."),
  }),
  liveness: z.strictObject({
    min_liveness_score: score().optional().describe("Lowest liveness score that passes (default 80)."),
  }),
  enhanced_identity: z.strictObject({
    min_matched_sources: z
      .number()
      .int()
      .min(1)
      .max(5)
      .optional()
      .describe("Independent sources that must match (default 2)."),
    require_dob_match: z
      .boolean()
      .optional()
      .describe("Whether the date of birth must match (default true)."),
    require_address_match: z.boolean().optional().describe("Whether the address must match (default false)."),
  }),
  proof_of_address: z.strictObject({
    accepted: z
      .array(z.enum(["utility_bill", "bank_statement", "tax_letter"]))
      .min(1)
      .optional()
      .describe("Document types accepted (default: all)."),
    max_document_age_days: z
      .number()
      .int()
      .min(1)
      .max(365)
      .optional()
      .describe("Oldest document accepted, in days (default 90)."),
  }),
  aml_screening: z.strictObject({
    lists: z
      .array(z.enum(["sanctions", "pep", "adverse_media"]))
      .min(1)
      .optional()
      .describe("Lists screened (default: all)."),
    fuzziness: score().optional().describe("Name-matching fuzziness from 0 (exact) to 100 (default 50)."),
    ongoing_monitoring: z.boolean().optional().describe("Re-screen the person daily (default false)."),
  }),
  age: z.strictObject({
    minimum_age: z
      .number()
      .int()
      .min(0)
      .max(130)
      .optional()
      .describe("Youngest age that passes (default 18)."),
  }),
  phone: z.strictObject({
    allowed_line_types: z
      .array(z.enum(["mobile", "landline", "voip"]))
      .min(1)
      .optional()
      .describe("Line types that pass (default: all)."),
    max_risk_score: score().optional().describe("Highest fraud risk that passes (default 80)."),
  }),
  email: z.strictObject({
    allow_disposable: z.boolean().optional().describe("Whether disposable domains pass (default false)."),
    min_domain_age_days: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Youngest domain accepted, in days (default 0)."),
    max_risk_score: score().optional().describe("Highest fraud risk that passes (default 80)."),
  }),
  ip_risk: z.strictObject({
    block_vpn: z.boolean().optional().describe("Fail addresses of VPNs (default false)."),
    block_proxy: z.boolean().optional().describe("Fail known proxies (default false)."),
    block_tor: z.boolean().optional().describe("Fail Tor exit nodes (default true)."),
    blocked_countries: z.array(countryCode()).optional().describe("Countries that fail (default none)."),
    max_score: score().optional().describe("Highest risk score that passes (default 80)."),
  }),
} satisfies Record<string, z.ZodType<Record<string, unknown>>>;

/** Every policy a workflow graph can use. */
export const policyCatalog: readonly PolicyDefinition[] = [
  {
    name: "document",
    description:
      "Verifies an identity document (passport, ID card, driving licence): authenticity, data and expiry.",
    outputs: [
      { key: "document_type", type: "string", description: "passport, id_card or driving_license." },
      {
        key: "issuing_country",
        type: "string",
        description: "ISO 3166-1 alpha-2 code of the issuing country.",
      },
      { key: "expired", type: "boolean", description: "Whether the document is past its expiry date." },
      { key: "confidence", type: "number", description: "Authenticity confidence from 0 to 100." },
    ],
    defaultOutput: { document_type: "passport", issuing_country: "GB", expired: false, confidence: 95 },
    config: policyConfigs.document,
  },
  {
    name: "selfie",
    description: "Compares a selfie with the portrait on the verified identity document.",
    outputs: [
      {
        key: "face_match",
        type: "number",
        description: "Similarity between selfie and portrait from 0 to 100.",
      },
    ],
    defaultOutput: { face_match: 95 },
    config: policyConfigs.selfie,
  },
  {
    name: "liveness",
    description:
      "Checks that the selfie comes from a live person present at capture, not a photo, mask or replay.",
    outputs: [
      { key: "liveness_score", type: "number", description: "Likelihood of a live person from 0 to 100." },
      { key: "spoof_detected", type: "boolean", description: "Whether a presentation attack was detected." },
    ],
    defaultOutput: { liveness_score: 97, spoof_detected: false },
    config: policyConfigs.liveness,
  },
  {
    name: "enhanced_identity",
    description:
      "Matches name, date of birth and address against authoritative databases (credit, electoral, government).",
    outputs: [
      { key: "matched_sources", type: "number", description: "Number of independent sources that matched." },
      { key: "name_match", type: "boolean", description: "Whether the name matched." },
      { key: "dob_match", type: "boolean", description: "Whether the date of birth matched." },
      { key: "address_match", type: "boolean", description: "Whether the address matched." },
    ],
    defaultOutput: { matched_sources: 2, name_match: true, dob_match: true, address_match: true },
    config: policyConfigs.enhanced_identity,
  },
  {
    name: "proof_of_address",
    description:
      "Verifies a recent utility bill or bank statement and matches its address with the applicant's.",
    outputs: [
      { key: "document_type", type: "string", description: "utility_bill, bank_statement or tax_letter." },
      { key: "document_age_days", type: "number", description: "Days since the document was issued." },
      { key: "address_match", type: "boolean", description: "Whether the address matches the applicant's." },
    ],
    defaultOutput: { document_type: "utility_bill", document_age_days: 30, address_match: true },
    config: policyConfigs.proof_of_address,
  },
  {
    name: "aml_screening",
    description: "Screens the person against sanctions, PEP and adverse-media lists.",
    outputs: [
      { key: "score", type: "number", description: "Risk score from 0 (no risk) to 100 (highest risk)." },
      { key: "matches", type: "number", description: "Number of potential list matches." },
      { key: "pep", type: "boolean", description: "Whether a politically exposed person match was found." },
      { key: "sanctions", type: "boolean", description: "Whether a sanctions-list match was found." },
      { key: "adverse_media", type: "boolean", description: "Whether adverse media was found." },
      { key: "lists", type: "string[]", description: "Names of the lists with matches." },
    ],
    defaultOutput: { score: 10, matches: 0, pep: false, sanctions: false, adverse_media: false, lists: [] },
    config: policyConfigs.aml_screening,
  },
  {
    name: "age",
    description: "Determines the person's age from the verified date of birth.",
    outputs: [
      { key: "age", type: "number", description: "Age in whole years." },
      { key: "over_18", type: "boolean", description: "Whether the person is 18 or older." },
      { key: "over_21", type: "boolean", description: "Whether the person is 21 or older." },
    ],
    defaultOutput: { age: 30, over_18: true, over_21: true },
    config: policyConfigs.age,
  },
  {
    name: "phone",
    description: "Validates a phone number and assesses its line type, carrier country and risk.",
    outputs: [
      { key: "valid", type: "boolean", description: "Whether the number exists and can receive messages." },
      { key: "line_type", type: "string", description: "mobile, landline or voip." },
      { key: "country", type: "string", description: "ISO 3166-1 alpha-2 country of the number." },
      { key: "risk_score", type: "number", description: "Fraud risk from 0 to 100." },
    ],
    defaultOutput: { valid: true, line_type: "mobile", country: "GB", risk_score: 5 },
    config: policyConfigs.phone,
  },
  {
    name: "email",
    description: "Validates an email address: deliverability, disposable domains, domain age and risk.",
    outputs: [
      { key: "deliverable", type: "boolean", description: "Whether the mailbox accepts mail." },
      {
        key: "disposable",
        type: "boolean",
        description: "Whether the domain is a disposable-email provider.",
      },
      { key: "domain_age_days", type: "number", description: "Days since the domain was registered." },
      { key: "risk_score", type: "number", description: "Fraud risk from 0 to 100." },
    ],
    defaultOutput: { deliverable: true, disposable: false, domain_age_days: 3650, risk_score: 5 },
    config: policyConfigs.email,
  },
  {
    name: "ip_risk",
    description: "Assesses the client IP address: geolocation, VPN, proxy and Tor use.",
    outputs: [
      { key: "score", type: "number", description: "Risk score from 0 (no risk) to 100 (highest risk)." },
      { key: "country", type: "string", description: "ISO 3166-1 alpha-2 country of the IP address." },
      { key: "vpn", type: "boolean", description: "Whether the address belongs to a VPN." },
      { key: "proxy", type: "boolean", description: "Whether the address is a known proxy." },
      { key: "tor", type: "boolean", description: "Whether the address is a Tor exit node." },
    ],
    defaultOutput: { score: 5, country: "GB", vpn: false, proxy: false, tor: false },
    config: policyConfigs.ip_risk,
  },
];

/** Names of every policy in {@link policyCatalog}. */
export const policyNames: readonly string[] = policyCatalog.map((policy) => policy.name);

/**
 * The catalog entry named `name`, or `undefined` when there is none.
 *
 * @param name - Policy name as written in a graph.
 */
export function findPolicy(name: string): PolicyDefinition | undefined {
  return policyCatalog.find((policy) => policy.name === name);
}

/**
 * JSON Schema (draft 2020-12) of a policy's `config`, generated from its zod schema.
 *
 * @param policy - A catalog entry.
 */
export function policyConfigJsonSchema(policy: PolicyDefinition): Record<string, unknown> {
  return z.toJSONSchema(policy.config, { io: "input" }) as Record<string, unknown>;
}
