import { idTimestamp, newId, type RunStatus, type Tenant } from "@flowgate/domain";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  insertOrganization,
  insertRun,
  insertWorkflow,
  insertWorkspace,
  listRuns,
  listRunsQuery,
  type RunListFilter,
} from "../src/index.ts";
import { createTestDatabase, type TestDatabase, testBackends } from "../src/testing/index.ts";

const graph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start" as const, next: "done" },
    { id: "done", type: "terminal" as const, outcome: "approved" },
  ],
};

/**
 * How many runs the plan check inserts: PGlite is in-process and slower, so it checks the plans at a
 * smaller size; PostgreSQL defaults to 100k and takes `FLOWGATE_RUN_LIST_ROWS` (the figures in
 * docs/workspace-workflows.md were measured with 1,000,000).
 */
function planRows(backend: string): number {
  if (backend === "pglite") return 20_000;
  return Number(process.env.FLOWGATE_RUN_LIST_ROWS ?? 100_000);
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  "Actual Rows"?: number;
  Plans?: PlanNode[];
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

describe.each(testBackends())("run lists (%s)", (backend) => {
  let t: TestDatabase;
  const tenant: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
  const other: Tenant = { workspaceId: newId("ws"), environment: "sandbox" };
  const workflowIds: string[] = [];
  let otherWorkflowId: string;

  beforeAll(async () => {
    t = await createTestDatabase(backend);
    const organizationId = newId("org");
    await insertOrganization(t.db, { id: organizationId, name: "Acme" });
    await insertWorkspace(t.db, { id: tenant.workspaceId, organizationId, name: "KYC" });
    await insertWorkspace(t.db, { id: other.workspaceId, organizationId, name: "Other" });
    for (let i = 0; i < 3; i++) {
      const workflow = await insertWorkflow(t.db, tenant, {
        id: newId("wfl"),
        name: `w${i}`,
        description: null,
        metadata: {},
        currentVersion: 1,
      });
      workflowIds.push(workflow.id);
    }
    otherWorkflowId = (
      await insertWorkflow(t.db, other, {
        id: newId("wfl"),
        name: "o",
        description: null,
        metadata: {},
        currentVersion: 1,
      })
    ).id;
  });
  afterAll(() => t.close());

  describe("paging and filters", () => {
    const statuses: RunStatus[] = ["completed", "failed", "running"];
    const starters = ["key_a", "sch_b", "hok_c"];
    const expected: {
      id: string;
      workflowId: string;
      status: RunStatus;
      triggeredBy: string;
      createdAt: Date;
    }[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 307; i++) {
        const run = await insertRun(t.db, tenant, {
          id: newId("wfr"),
          sessionId: null,
          workflowId: workflowIds[i % 3]!,
          workflowVersion: 1,
          graphSnapshot: graph,
          triggerPayload: { i },
          triggeredBy: starters[i % 3 === 0 ? i % 2 : 2]!,
        });
        const status = statuses[i % 7 === 0 ? 1 : i % 11 === 0 ? 2 : 0]!;
        await sql`update runs set status = ${status} where id = ${run.id}`.execute(t.db);
        expected.push({
          id: run.id,
          workflowId: run.workflowId,
          status,
          triggeredBy: run.triggeredBy!,
          createdAt: run.createdAt,
        });
        // Runs of another workspace in between: never listed.
        if (i % 10 === 0) {
          await insertRun(t.db, other, {
            id: newId("wfr"),
            sessionId: null,
            workflowId: otherWorkflowId,
            workflowVersion: 1,
            graphSnapshot: graph,
            triggerPayload: {},
            triggeredBy: "key_a",
          });
        }
      }
      expected.reverse();
    });

    /** Every run the filter lists, page after page forwards; and the same list paged backwards. */
    async function pageThrough(filter: RunListFilter, limit: number) {
      const forwards: string[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await listRuns(t.db, tenant, { ...filter, limit, afterId });
        forwards.push(...page.map((run) => run.id));
        if (page.length < limit) break;
        afterId = page.at(-1)!.id;
      }
      const backwards: string[] = [];
      let beforeId: string | undefined;
      for (;;) {
        const page = await listRuns(t.db, tenant, { ...filter, limit, beforeId, oldestFirst: true });
        backwards.unshift(...page.map((run) => run.id).reverse());
        if (page.length < limit) break;
        beforeId = page.at(-1)!.id;
      }
      return { forwards, backwards };
    }

    it("pages through every run of the tenant, newest first, in both directions", async () => {
      const { forwards, backwards } = await pageThrough({}, 20);
      expect(forwards).toEqual(expected.map((run) => run.id));
      expect(backwards).toEqual(forwards);
      expect(new Set(forwards).size).toBe(307);
    });

    it.each<[string, RunListFilter, (run: (typeof expected)[number]) => boolean]>([
      ["workflow", { workflowId: "0" }, (run) => run.workflowId === workflowIds[0]],
      ["status", { status: "failed" }, (run) => run.status === "failed"],
      [
        "workflow and status",
        { workflowId: "1", status: "completed" },
        (run) => run.workflowId === workflowIds[1] && run.status === "completed",
      ],
      ["starter", { triggeredBy: "sch_b" }, (run) => run.triggeredBy === "sch_b"],
    ])("filters by %s", async (_name, filter, keep) => {
      const resolved = {
        ...filter,
        workflowId: filter.workflowId ? workflowIds[Number(filter.workflowId)] : undefined,
      };
      const { forwards, backwards } = await pageThrough(resolved, 7);
      const want = expected.filter(keep).map((run) => run.id);
      expect(want.length).toBeGreaterThan(10);
      expect(forwards).toEqual(want);
      expect(backwards).toEqual(want);
    });

    it("filters a creation-time range [from, to) from the ids' time", async () => {
      const chronological = [...expected].reverse();
      const from = chronological[50]!.createdAt;
      const to = chronological[250]!.createdAt;
      const { forwards } = await pageThrough({ from, to }, 13);
      const want = expected.filter((run) => run.createdAt >= from && run.createdAt < to).map((run) => run.id);
      expect(want.length).toBeGreaterThanOrEqual(150);
      expect(forwards).toEqual(want);
      // createdAt is the id's own time, so the two never disagree.
      for (const run of expected) expect(idTimestamp(run.id)).toEqual(run.createdAt);
    });

    it("lists nothing of another workspace's workflow", async () => {
      expect(await listRuns(t.db, tenant, { limit: 50, workflowId: otherWorkflowId })).toEqual([]);
      expect(await listRuns(t.db, other, { limit: 100 })).toHaveLength(31);
    });
  });

  describe("query plans at depth", () => {
    const rows = planRows(backend);
    const planTenant: Tenant = { workspaceId: tenant.workspaceId, environment: "live" };
    let planWorkflows: string[] = [];

    beforeAll(async () => {
      planWorkflows = [];
      for (let i = 0; i < 10; i++) {
        planWorkflows.push(
          (
            await insertWorkflow(t.db, planTenant, {
              id: newId("wfl"),
              name: `p${i}`,
              description: null,
              metadata: {},
              currentVersion: 1,
            })
          ).id,
        );
      }
      const started = Date.now();
      const batch = 50_000;
      for (let offset = 0; offset < rows; offset += batch) {
        const ids = Array.from({ length: Math.min(batch, rows - offset) }, () => newId("wfr"));
        // 9 in 10 rows in this tenant; 1 in 50 failed, 1 in 100 running; three API keys.
        await sql`insert into runs (id, workspace_id, environment, workflow_id, workflow_version, status,
            graph_snapshot, trigger_payload, triggered_by, created_at)
          select ids.id, case when n % 10 = 0 then ${other.workspaceId} else ${planTenant.workspaceId} end,
            case when n % 10 = 0 then 'sandbox' else 'live' end,
            case when n % 10 = 0 then ${otherWorkflowId} else (${sql.val(planWorkflows)}::text[])[1 + n % 10] end,
            1, case when n % 47 = 1 then 'failed' when n % 101 = 3 then 'running' else 'completed' end,
            '{}'::jsonb, '{}'::jsonb, 'key_' || (n % 3), now()
          from unnest(${sql.val(ids)}::text[]) with ordinality as ids(id, n)`.execute(t.db);
      }
      // A large statistics sample: with the default one (30,000 rows of 300,000) the estimate for a workflow
      // and a rare status varied from one analyze to the next, and now and then the planner chose a sort.
      await t.db.connection().execute(async (db) => {
        await sql`set default_statistics_target = 1000`.execute(db);
        await sql`analyze runs`.execute(db);
        await sql`reset default_statistics_target`.execute(db);
      });
      console.log(`[run lists ${backend}] inserted ${rows} runs in ${Date.now() - started} ms`);
    }, 600_000);

    /** The cursor 95% of the way down the filtered list (newest first): a deep page. */
    async function deepCursor(filter: RunListFilter): Promise<string> {
      const ids = await listRunsQuery(t.db, planTenant, { ...filter, limit: 1_000_000 })
        .clearSelect()
        .select("id")
        .execute();
      return ids[Math.min(Math.floor(ids.length * 0.95), ids.length - 30)]!.id;
    }

    // The planner may walk the primary key (`id`) instead of the filter's own index when the filter keeps
    // most rows; both are flat. What must never appear is a sort or a scan of the whole table.
    it.each<[string, RunListFilter & { workflow?: number }, string[]]>([
      ["no filter", {}, ["runs_workspace_page", "runs_pkey"]],
      ["workflow", { workflow: 3 }, ["runs_workflow_page", "runs_workflow_status_page", "runs_pkey"]],
      ["status", { status: "failed" }, ["runs_status_page"]],
      ["workflow and status", { workflow: 1, status: "failed" }, ["runs_workflow_status_page"]],
      ["starter", { triggeredBy: "key_2" }, ["runs_triggered_by_page", "runs_pkey"]],
    ])(
      "%s: an index scan in id order, no sort, few buffers at the first and a deep page",
      async (name, filterSpec, indexes) => {
        const { workflow, ...rest } = filterSpec;
        const filter: RunListFilter = {
          ...rest,
          ...(workflow !== undefined ? { workflowId: planWorkflows[workflow] } : {}),
        };
        const figures: string[] = [];
        for (const afterId of [undefined, await deepCursor(filter)]) {
          const query = listRunsQuery(t.db, planTenant, { ...filter, limit: 21, afterId });
          const [explained] = await query.explain("json", sql`analyze, buffers`);
          const plan = (explained as unknown as { "QUERY PLAN": { Plan: PlanNode }[] })["QUERY PLAN"][0]!
            .Plan;
          const nodes = flatten(plan);
          const types = nodes.map((node) => node["Node Type"]);
          expect(types).not.toContain("Sort");
          expect(types).not.toContain("Seq Scan");
          const index = nodes.find((node) => node["Index Name"])?.["Index Name"];
          expect(indexes).toContain(index);
          expect(plan["Actual Rows"]).toBe(21);
          const buffers = (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0);
          figures.push(`${afterId ? "deep" : "first"} page ${buffers} buffers (${index})`);
          // A page of 21 rows touches a few index and heap pages, whatever the depth; a scan would touch
          // thousands.
          expect(buffers).toBeLessThan(400);
        }
        console.log(`[run lists ${backend}, ${rows} runs] ${name}: ${figures.join(", ")}`);
      },
    );

    it("a creation-time range stays on the id index", async () => {
      const ids = await listRunsQuery(t.db, planTenant, { limit: 1_000_000 })
        .clearSelect()
        .select("id")
        .execute();
      const from = idTimestamp(ids[Math.floor(ids.length * 0.9)]!.id)!;
      const to = idTimestamp(ids[Math.floor(ids.length * 0.5)]!.id)!;
      const query = listRunsQuery(t.db, planTenant, { from, to, limit: 21 });
      const [explained] = await query.explain("json", sql`analyze, buffers`);
      const plan = (explained as unknown as { "QUERY PLAN": { Plan: PlanNode }[] })["QUERY PLAN"][0]!.Plan;
      const nodes = flatten(plan);
      expect(nodes.map((node) => node["Node Type"])).not.toContain("Sort");
      expect(["runs_workspace_page", "runs_pkey"]).toContain(
        nodes.find((node) => node["Index Name"])?.["Index Name"],
      );
      const page = await query.execute();
      expect(page).toHaveLength(21);
      for (const run of page) {
        expect(idTimestamp(run.id)!.getTime()).toBeGreaterThanOrEqual(from.getTime());
        expect(idTimestamp(run.id)!.getTime()).toBeLessThan(to.getTime());
      }
    });
  });
});
