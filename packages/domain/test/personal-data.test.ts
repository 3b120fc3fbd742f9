import { describe, expect, it } from "vitest";
import { checkPersonalDataPolicy, personalColumns, subjectTables } from "../src/personal-data.ts";

describe("personal-data definition", () => {
  it("orders a subject's tables parents first", () => {
    const session = subjectTables("session");
    expect(session[0]).toBe("sessions");
    expect(session.indexOf("runs")).toBeLessThan(session.indexOf("node_runs"));
    expect(session.indexOf("workflow_sessions")).toBeLessThan(session.indexOf("email_outbox"));
    expect(subjectTables("identity")[0]).toBe("entities");
  });

  it("names how each personal column is redacted", () => {
    expect(personalColumns("sessions").map((c) => c.column)).toEqual(["reference_id", "metadata", "sandbox"]);
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
