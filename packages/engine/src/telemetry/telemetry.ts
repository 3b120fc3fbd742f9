import { assertNever, type RunEvent, type RunEventType, type RunStatus } from "@flowgate/domain";
import type { EngineLogger } from "./logger.ts";
import { silentLogger } from "./logger.ts";
import type { EngineMetrics } from "./metrics.ts";

/** The run a batch of committed events belongs to. */
export interface RunRef {
  id: string;
  workflowId: string;
}

/** Run events a transaction committed, with their run. */
export interface CommittedRunEvents {
  run: RunRef;
  events: readonly RunEvent[];
}

/** The run status an event of `type` moves its run to, or null for node events. */
export function statusAfterEvent(type: RunEventType): RunStatus | null {
  switch (type) {
    case "run.started":
    case "run.resumed":
    case "run.retried":
      return "running";
    case "run.paused":
      return "paused";
    case "run.completed":
      return "completed";
    case "run.failed":
      return "failed";
    case "run.cancelled":
      return "cancelled";
    case "node.started":
    case "node.retrying":
    case "node.completed":
      return null;
    default:
      return assertNever(type);
  }
}

/** A string field of an event's data, if it has one. */
function text(data: Record<string, unknown>, field: string): string | undefined {
  const value = data[field];
  return typeof value === "string" ? value : undefined;
}

/**
 * What the engine reports about its work: a structured log line per run transition (and, at debug, per
 * node), and, when given {@link EngineMetrics}, the metrics. Fed after commit by the unit of work, so a
 * rolled-back transaction reports nothing. Log lines never carry payloads, outputs or error messages
 * (which may quote what a provider answered), only ids, names and statuses.
 */
export class EngineTelemetry {
  readonly logger: EngineLogger;
  readonly metrics: EngineMetrics | undefined;

  constructor(options: { logger?: EngineLogger | undefined; metrics?: EngineMetrics | undefined } = {}) {
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics;
  }

  /** A run was created (status `pending`) by a committed transaction. */
  runCreated(run: RunRef): void {
    this.logger.info({ runId: run.id, workflowId: run.workflowId, status: "pending" }, "run created");
    this.metrics?.runTransitions.inc({ status: "pending" });
  }

  /** Reports the events a transaction committed. */
  committed(batches: readonly CommittedRunEvents[]): void {
    for (const { run, events } of batches) {
      for (const event of events) this.#event(run, event);
    }
  }

  #event(run: RunRef, event: RunEvent): void {
    const ids = { runId: run.id, workflowId: run.workflowId };
    const node = text(event.data, "nodeId") ?? text(event.data, "fromNode");
    if (event.type === "node.completed") {
      const nodeType = text(event.data, "nodeType") ?? "unknown";
      const result = text(event.data, "result") ?? "";
      const durationMs = Number(event.data.durationMs ?? 0);
      this.logger.debug({ ...ids, node, nodeType, result, durationMs }, "node completed");
      this.metrics?.nodeDuration.observe({ node_type: nodeType, result }, durationMs / 1000);
      return;
    }
    if (event.type === "node.retrying") {
      this.logger.info({ ...ids, node, attempt: event.data.attempt }, "node retrying");
      return;
    }
    const status = statusAfterEvent(event.type);
    if (!status) return;
    const finalStatus = text(event.data, "finalStatus");
    this.logger.info(
      {
        ...ids,
        ...(node ? { node } : {}),
        status,
        event: event.type,
        seq: event.seq,
        ...(finalStatus ? { finalStatus } : {}),
      },
      "run transition",
    );
    this.metrics?.runTransitions.inc({ status });
  }
}
