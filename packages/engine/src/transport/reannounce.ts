import { type Db, listLatestRunEvents, listSessionStatuses } from "@flowgate/db";
import type { LocalDispatch } from "./local-dispatch.ts";

/**
 * After a bus's connection came back, messages published while it was down are lost. This delivers to
 * this process's subscribers, from the store, where each of their runs and sessions now stands: the
 * newest event of each run (a `runProgress` stream that sees a seq beyond its last one fills the gap
 * from `run_events`; one it already has is dropped) and each session's status (a `sessionStatus` stream
 * ignores an unchanged one). So a live subscription simply goes on after an outage.
 */
export async function reannounce(db: Db, local: LocalDispatch): Promise<void> {
  const runIds: string[] = [];
  const sessionIds: string[] = [];
  for (const channel of local.channels()) {
    if (channel.startsWith("run:")) runIds.push(channel.slice("run:".length));
    else if (channel.startsWith("session:")) sessionIds.push(channel.slice("session:".length));
  }
  for (const event of await listLatestRunEvents(db, runIds)) {
    local.dispatch({ channel: `run:${event.runId}`, event });
  }
  for (const session of await listSessionStatuses(db, sessionIds)) {
    local.dispatch({
      channel: `session:${session.id}`,
      event: {
        sessionId: session.id,
        status: session.status,
        result: session.result,
        at: session.updatedAt.toISOString(),
      },
    });
  }
}
