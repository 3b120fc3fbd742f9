import { insertSession, insertWorkflow, insertWorkflowVersion, updateSessionStatus } from "@flowgate/db";
import { newId, parseWorkflowGraph, type Run, type Tenant } from "@flowgate/domain";
import { startRun } from "../src/start-run.ts";
import { inTransaction, type UnitOfWorkDeps } from "../src/unit-of-work.ts";

/**
 * A workflow published as version 1 from `graph` (the use cases of `@flowgate/application` do this in
 * production; the engine's suites stay below that layer).
 */
export async function publishTestWorkflow(
  deps: UnitOfWorkDeps,
  tenant: Tenant,
  name: string,
  graph: unknown,
) {
  const parsed = parseWorkflowGraph(graph);
  return inTransaction(deps, async (trx) => {
    const workflow = await insertWorkflow(trx, tenant, {
      id: newId("wfl"),
      name,
      description: null,
      metadata: {},
      currentVersion: 1,
    });
    await insertWorkflowVersion(trx, {
      workflowId: workflow.id,
      version: 1,
      graph: parsed,
      publishedBy: "test",
    });
    return workflow;
  });
}

/**
 * A session on `workflowId` with `metadata`, submitted: it is processing and its run is queued, as
 * `submitSession` leaves them.
 */
export async function submitTestSession(
  deps: UnitOfWorkDeps,
  tenant: Tenant,
  workflow: Awaited<ReturnType<typeof publishTestWorkflow>>,
  metadata: Record<string, unknown>,
): Promise<Run> {
  return inTransaction(deps, async (trx, after) => {
    const session = await insertSession(trx, tenant, {
      id: newId("ses"),
      workflowId: workflow.id,
      referenceId: null,
      metadata,
      sandbox: null,
    });
    const run = await startRun(trx, after, tenant, { workflow, session, triggeredBy: "test" });
    await updateSessionStatus(trx, session.id, {
      status: "processing",
      workflowId: workflow.id,
      submittedAt: new Date(),
    });
    return run;
  });
}
