import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testBackends } from "@flowgate/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleWorkflow, personalValues, seedCompletedSession } from "./data-protection-helpers.ts";
import { type Harness, startHarness } from "./harness.ts";

const REPORT_URL = /* GraphQL */ `query ($id: ID!) { session(id: $id) { reportPdfUrl } }`;
const outputDir = join(import.meta.dirname, "..", "test-output");

/** The PDF's text, extracted with poppler's pdftotext (layout kept). */
function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "flowgate-report-"));
  const file = join(dir, "report.pdf");
  writeFileSync(file, pdf);
  return execFileSync("/usr/bin/pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
}

/** Saves page 1 as a PNG test artifact (poppler's pdftoppm at 60 dpi). */
function savePage1(pdf: Buffer, name: string): string {
  mkdirSync(outputDir, { recursive: true });
  const pdfFile = join(outputDir, `${name}.pdf`);
  writeFileSync(pdfFile, pdf);
  const prefix = join(outputDir, name);
  execFileSync("/usr/bin/pdftoppm", [
    "-png",
    "-r",
    "60",
    "-f",
    "1",
    "-l",
    "1",
    "-singlefile",
    pdfFile,
    prefix,
  ]);
  return `${prefix}.png`;
}

describe.each(testBackends())("PDF verification report (%s)", (backend) => {
  let h: Harness;
  let key: string;
  let workflowId: string;

  beforeAll(async () => {
    h = await startHarness(backend);
    key = h.acme.keys.sandbox;
    workflowId = await createExampleWorkflow(h, key);
  });
  afterAll(() => h.close());

  async function fetchPdf(sessionId: string) {
    const answer = await h.gql(key, REPORT_URL, { id: sessionId });
    const url = answer.data.session.reportPdfUrl as string;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    return { url, pdf: Buffer.from(await response.arrayBuffer()) };
  }

  it("holds the session, identity, checks with attempts, risk, decision trail and workflow graph", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    const { url, pdf } = await fetchPdf(sessionId);
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
    const text = pdfText(pdf);
    for (const expected of [
      "Verification report",
      sessionId,
      "completed",
      "approved",
      personalValues.referenceId,
      personalValues.fullName,
      "document (policy)",
      "result pass",
      "attempts 1",
      "Risk assessment",
      "score 85",
      "submit by key_",
      "decision by key_",
      "run.completed",
      "Workflow",
      "KYC",
      "gate [wait]",
    ]) {
      expect(text).toContain(expected);
    }
    const png = savePage1(pdf, `report-${backend}`);
    expect(statSync(png).size).toBeGreaterThan(1000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");

    // The URL is the authorization: tampered, it is refused.
    const tampered = url.replace(/signature=[^&]+/, "signature=AAAA");
    expect((await fetch(tampered)).status).toBe(403);
    const foreign = await h.gql(h.other.keys.sandbox, REPORT_URL, { id: sessionId });
    expect(foreign.data.session).toBeNull();
  });

  it("shows the redaction of a redacted session, without its personal data", async () => {
    const sessionId = await seedCompletedSession(h, key, workflowId);
    await h.gql(
      key,
      `mutation ($id: ID!) { redactSession(sessionId: $id, reason: "DSR erasure 77") { __typename } }`,
      {
        id: sessionId,
      },
    );
    const { pdf } = await fetchPdf(sessionId);
    const text = pdfText(pdf);
    expect(text).toContain("REDACTED");
    expect(text).toContain("DSR erasure 77");
    expect(text).toContain("redact by key_");
    for (const gone of ["Vantablack", "QZ7781", "PX4471902", "Quillfeather"])
      expect(text).not.toContain(gone);
    savePage1(pdf, `report-redacted-${backend}`);
  });
});
