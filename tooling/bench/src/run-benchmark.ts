import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import type { BenchConfig, WorkloadName } from "./config.ts";
import { type Report, renderMarkdown, toRow, writeReport } from "./report.ts";
import { ensureBenchDatabase, serverVersion } from "./support/postgres.ts";
import { coldStart } from "./workloads/cold-start.ts";
import { engineThroughput } from "./workloads/engine-throughput.ts";
import { fanOut } from "./workloads/fan-out.ts";
import { gatewayLatency } from "./workloads/gateway-latency.ts";
import { growth } from "./workloads/growth.ts";
import { reads } from "./workloads/reads.ts";
import { webhooks } from "./workloads/webhooks.ts";
import type { Workload } from "./workloads/workload.ts";

/** Every workload by name. */
export const workloads: Record<WorkloadName, Workload> = {
  engine: engineThroughput,
  latency: gatewayLatency,
  reads,
  fanout: fanOut,
  growth,
  coldstart: coldStart,
  webhooks,
};

/** Where a benchmark run reports to. */
export interface RunOptions {
  /** Directory for the JSON and Markdown results; nothing is written when absent. */
  resultsDir?: string;
  progress: (message: string) => void;
  print: (text: string) => void;
}

/**
 * Runs the configured workloads one after the other and builds the report. A workload that throws is
 * named in `failed` and in the notes; the others still run.
 */
export async function runBenchmark(
  requested: BenchConfig,
  options: RunOptions,
): Promise<{ report: Report; failed: WorkloadName[]; paths: string[] }> {
  const startedAt = new Date().toISOString();
  const config = {
    ...requested,
    databaseUrl: await ensureBenchDatabase(requested.databaseUrl, requested.benchDatabaseUrl),
  };
  const loadAtStart = loadavg()[0]!;
  const rows: Report["rows"] = [];
  const notes: string[] = [];
  const failed: WorkloadName[] = [];
  const durations: string[] = [];
  for (const name of config.only) {
    const began = Date.now();
    try {
      const result = await workloads[name](config, options.progress);
      rows.push(...result.figures.map(toRow));
      notes.push(...result.notes);
    } catch (error) {
      failed.push(name);
      notes.push(
        `${name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    const seconds = ((Date.now() - began) / 1000).toFixed(0);
    durations.push(`${name} ${seconds} s`);
    options.progress(`${name} took ${seconds} s`);
  }
  const report: Report = {
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: {
      ...(await environment(config)),
      "load average (1 min) at start / end": `${loadAtStart.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`,
    },
    config: {
      ...config,
      databaseUrl: redactUrl(config.databaseUrl),
      benchDatabaseUrl: config.benchDatabaseUrl && redactUrl(config.benchDatabaseUrl),
    },
    rows,
    notes: [
      `Figures are per repetition (${config.repetitions}); "met?" checks the median, and a ratio is Flowgate's median over the anchor's median.`,
      ...notes,
      `Wall time per workload: ${durations.join(", ")}.`,
    ],
  };
  options.print(renderMarkdown(report));
  const paths = options.resultsDir ? writeReport(report, options.resultsDir, config.scale) : [];
  if (paths.length) options.print(`\nwritten: ${paths.join(", ")}\n`);
  return { report, failed, paths };
}

async function environment(config: BenchConfig): Promise<Report["environment"]> {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      encoding: "utf8",
    });
    if (dirty.trim()) commit += " (modified)";
  } catch {}
  return {
    commit,
    scale: config.scale,
    node: process.version,
    postgres: await serverVersion(config.databaseUrl).catch(() => "unreachable"),
    database: new URL(config.databaseUrl).pathname.slice(1),
    cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  };
}

/** The URL without its password. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable)";
  }
}
