import { describe, expect, onTestFinished, test } from "vitest";
import { listExpiredReservations } from "../../src/index.ts";
import { databaseBefore, testBackends } from "../../src/testing/index.ts";

/**
 * `2026-11-30T16-00_durable-sends` gave reservations an expiry for the sweeper and made the outbox keep
 * link tokens masked: reservations still held by the synchronous sends before it expire an hour after the
 * migration (the sweeper gives them back then), and tokens already in the outbox are masked.
 */
const migration = "2026-11-30T16-00_durable-sends";

describe.each(testBackends())(`migration ${migration} (%s)`, (backend) => {
  test("held reservations expire an hour on, resolved ones never; outbox link tokens are masked", async () => {
    const t = await databaseBefore(backend, migration);
    onTestFinished(() => t.close());
    await t.before.insertInto("organizations").values({ id: "org_1", name: "Acme" }).execute();
    await t.before
      .insertInto("workspaces")
      .values({ id: "ws_1", organization_id: "org_1", name: "KYC" })
      .execute();
    const reservation = (id: string, status: string) => ({
      id,
      workspace_id: "ws_1",
      environment: "live",
      amount: 1,
      idempotency_key: `send:wfs_${id}`,
      status,
      reference_id: `wfs_${id}`,
      created_at: new Date("2026-11-01T10:00:00Z"),
    });
    await t.before
      .insertInto("credit_reservations")
      .values([reservation("crs_held", "held"), reservation("crs_released", "released")])
      .execute();
    const magic = "fgl_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg";
    const verification = "fgv_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_wxyz";
    await t.before
      .insertInto("email_outbox")
      .values({
        id: "eml_1",
        workspace_id: "ws_1",
        environment: "sandbox",
        workflow_session_id: "wfs_1",
        to_address: "a@b.co",
        subject: "Hi",
        text_body: `open http://x/recipient?token=${magic} or http://x/verify/${verification} now`,
        html_body: `<a href="http://x/recipient?token=${magic}">open</a>`,
        link_url: `http://x/recipient?token=${magic}`,
      })
      .execute();
    const migratedAt = Date.now();

    await t.finishMigrating();

    const reservations = await t.db
      .selectFrom("credit_reservations")
      .select(["id", "status", "expires_at"])
      .orderBy("id")
      .execute();
    expect(reservations.map((r) => [r.id, r.status, r.expires_at === null])).toEqual([
      ["crs_held", "held", false],
      ["crs_released", "released", true],
    ]);
    const expiresAt = reservations[0]!.expires_at!.getTime();
    expect(expiresAt).toBeGreaterThan(migratedAt + 50 * 60_000);
    // The sweeper finds it once that hour has passed, and not before.
    expect(await listExpiredReservations(t.db, new Date(migratedAt), 10)).toEqual([]);
    expect(await listExpiredReservations(t.db, new Date(expiresAt + 1000), 10)).toMatchObject([
      { idempotencyKey: "send:wfs_crs_held" },
    ]);

    const outbox = await t.db.selectFrom("email_outbox").selectAll().executeTakeFirstOrThrow();
    expect(outbox).toMatchObject({
      text_body: "open http://x/recipient?token=fgl_…defg or http://x/verify/fgv_…wxyz now",
      html_body: '<a href="http://x/recipient?token=fgl_…defg">open</a>',
      link_url: "http://x/recipient?token=fgl_…defg",
    });
  });
});
