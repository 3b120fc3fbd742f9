import { testBackends } from "@flowgate/db/testing";
import { describe, expect } from "vitest";
import { createKycQuestionnaire, SEND_WORKFLOW } from "./ddq-helpers.ts";
import { smtpHarnessTest } from "./harness-test.ts";
import { rest } from "./rest-helpers.ts";

const ENTITIES = /* GraphQL */ `{ entities(first: 100) { edges { node { legalName } } } }`;

const test = smtpHarnessTest({ env: { FLOWGATE_EMAILS_PER_WORKSPACE_HOUR: "3" } });

/** The per-workspace hourly cap on outbound emails (FLOWGATE_EMAILS_PER_WORKSPACE_HOUR=3 here). */
describe.each(testBackends())("hourly email cap (%s)", (backend) => {
  test.override({ backend });

  test("refuses the email after the cap with a typed error naming it, creating nothing; a refused email gives its slot back", async ({
    harness: h,
    smtp,
  }) => {
    const key = h.acme.keys.sandbox;
    const questionnaireId = await createKycQuestionnaire(h, key);
    const send = (n: string) =>
      h.gql(key, SEND_WORKFLOW, {
        entity: { legalName: `Capped ${n}` },
        ddq: { questionnaireId },
        email: `cap-${backend}-${n}@supplier.example`,
      });
    // A refused email is not an outbound email: it does not count.
    smtp.failNext(1);
    expect((await send("refused")).data.sendWorkflow.__typename).toBe("EmailDeliveryError");
    for (const n of ["1", "2", "3"]) {
      expect((await send(n)).data.sendWorkflow).toMatchObject({ status: "sent" });
    }
    const refused = (await send("4")).data.sendWorkflow;
    expect(refused).toMatchObject({
      __typename: "EmailHourlyCapError",
      cap: 3,
      message: expect.stringContaining("3 emails per hour"),
    });
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(smtp.to(`cap-${backend}-4@supplier.example`)).toEqual([]);
    const names = (await h.gql(key, ENTITIES)).data.entities.edges.map(
      (e: { node: { legalName: string } }) => e.node.legalName,
    );
    expect(names).not.toContain("Capped 4");
    // REST (seed 003's route) answers the same refusal as 429 with Retry-After.
    const viaRest = await rest(h, key, "POST", "/api/v1/workflows/send/", {
      entity: { legal_name: "Capped REST" },
      ddq: { questionnaire_id: questionnaireId },
      email: `cap-${backend}-rest@supplier.example`,
    });
    expect(viaRest.status).toBe(429);
    expect(viaRest.body.error).toMatchObject({
      code: "EMAIL_HOURLY_CAP_EXCEEDED",
      details: { cap: 3, retry_after_seconds: expect.any(Number) },
    });
    expect(Number(viaRest.headers.get("retry-after"))).toBe(viaRest.body.error.details.retry_after_seconds);
    // The cap is per workspace, both environments together.
    const live = await h.gql(h.acme.keys.live, SEND_WORKFLOW, {
      entity: { legalName: "Live capped" },
      ddq: { questionnaireId: await createKycQuestionnaire(h, h.acme.keys.live) },
      email: `cap-${backend}-live@supplier.example`,
    });
    expect(live.data.sendWorkflow.__typename).toBe("EmailHourlyCapError");
  });

  test("counts concurrent sends atomically: 12 at once against a cap of 3 send exactly 3", async ({
    harness: h,
    smtp,
  }) => {
    const key = h.other.keys.sandbox;
    const questionnaireId = await createKycQuestionnaire(h, key);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.gql(key, SEND_WORKFLOW, {
          entity: { legalName: `Parallel ${i}` },
          ddq: { questionnaireId },
          email: `cap-${backend}-parallel-${i}@supplier.example`,
        }),
      ),
    );
    const kinds = results.map((r) => r.data.sendWorkflow.__typename);
    expect(kinds.filter((k) => k === "WorkflowResponse")).toHaveLength(3);
    expect(kinds.filter((k) => k === "EmailHourlyCapError")).toHaveLength(9);
    const delivered = smtp.received.filter((e) => e.to[0]!.startsWith(`cap-${backend}-parallel-`));
    expect(delivered).toHaveLength(3);
  });
});
