import { describe, expect, it } from "vitest";
import { checkPersonalDataPolicy, personalColumns, subjectTables } from "../src/personal-data.ts";

describe("personal-data definition", () => {
  it("orders a subject's tables parents first", () => {
    const session = subjectTables("session");
    expect(session[0]).toBe("sessions");
    expect(session.indexOf("runs")).toBeLessThan(session.indexOf("node_runs"));
    expect(session.indexOf("workflow_sessions")).toBeLessThan(session.indexOf("email_outbox"));
    expect(session.indexOf("session_checks")).toBeLessThan(session.indexOf("session_check_attempts"));
    expect(session.indexOf("webhook_deliveries")).toBeLessThan(session.indexOf("webhook_attempts"));
    expect(session).toContain("idempotency_keys");
    expect(subjectTables("identity")[0]).toBe("entities");
    expect(subjectTables("identity")).toContain("entity_documents");
  });

  it("names how each personal column is redacted", () => {
    expect(personalColumns("sessions").map((c) => c.column)).toEqual([
      "reference_id",
      "metadata",
      "sandbox",
      "tags",
      "invitee_email",
    ]);
    expect(personalColumns("session_documents").find((c) => c.column === "content")?.file).toEqual({
      nameColumn: "file_name",
    });
    expect(personalColumns("webhook_events").map((c) => c.column)).toEqual(["payload"]);
    expect(personalColumns("workflows")).toEqual([]);
    expect(() => personalColumns("no_such_table")).toThrow(/no data-protection policy/);
  });

  it("reports unclassified and stale columns", () => {
    const problems = checkPersonalDataPolicy(["sessions.id", "sessions.passport_number", "new_table.x"]);
    expect(problems).toContain("column sessions.passport_number is not classified");
    expect(problems).toContain("table new_table is not classified (column x)");
    expect(problems).toContain("classified column sessions.metadata does not exist");
  });
});
