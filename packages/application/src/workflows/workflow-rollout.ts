import { listWorkflowVersions, setWorkflowRollout } from "@flowgate/db";
import { assertValidRollout, type RolloutEntry, type Workflow } from "@flowgate/domain";
import { inTransaction } from "@flowgate/engine";
import { requireScope } from "../access.ts";
import type { Actor } from "../actor.ts";
import { type Application, applicationDeps } from "../application.ts";
import { requireWorkflow } from "./workflow-records.ts";

/**
 * Sets how new runs split across versions: entries of published versions with whole percentages summing to
 * 100. `null` or an empty list removes the map, so every new run starts on the current version.
 * Needs `workflows:write`.
 */
export async function updateWorkflowRollout(
  app: Application,
  actor: Actor,
  input: { workflowId: string; entries: readonly RolloutEntry[] | null | undefined },
): Promise<Workflow> {
  requireScope(actor, "workflows:write");
  const deps = applicationDeps(app);
  return inTransaction(deps, async (trx) => {
    const workflow = await requireWorkflow(trx, actor, input.workflowId, true);
    const entries = input.entries ?? [];
    if (entries.length === 0) return setWorkflowRollout(trx, workflow.id, null);
    const versions = (await listWorkflowVersions(trx, [workflow.id])).map((v) => v.version);
    assertValidRollout(entries, versions, ["entries"]);
    return setWorkflowRollout(
      trx,
      workflow.id,
      entries.map(({ version, percentage }) => ({ version, percentage })),
    );
  });
}
