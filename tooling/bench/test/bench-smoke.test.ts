import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBenchConfig } from "../src/config.ts";
import { type Report, renderMarkdown } from "../src/report.ts";
import { runBenchmark } from "../src/run-benchmark.ts";

/** The smallest sizes that still exercise every step of every workload. */
const tiny = readBenchConfig({
  ...process.env,
  BENCH_SCALE: "small",
  BENCH_REPETITIONS: "1",
  BENCH_RUNS: "10",
  BENCH_LATENCY_SAMPLES: "3",
  BENCH_LATENCY_WARMUP: "1",
  BENCH_READ_SECONDS: "1",
  BENCH_SUBSCRIBERS: "20",
  BENCH_SUBSCRIBERS_PER_RUN: "10",
  BENCH_GROWTH_SIZES: "100,300",
  BENCH_GROWTH_CALLS: "1",
  BENCH_WEBHOOK_DELIVERIES: "20",
  BENCH_WEBHOOK_LATENCY_SAMPLES: "3",
});

/**
 * Runs the whole benchmark once at tiny sizes so that CI notices when it breaks: every workload must
 * produce complete figures, its anchors must be measured, the table must be printed and written, and
 * fan-out must lose, repeat and reorder nothing. It never checks how fast anything is: timings belong to
 * the benchmark's table, not to tests.
 */
describe.skipIf(!process.env.DATABASE_URL)("benchmark smoke run (tiny sizes, no timing assertions)", () => {
  it("runs every workload once, prints one table and writes it as JSON and Markdown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowgate-bench-results-"));
    try {
      let printed = "";
      const { report, failed, paths } = await runBenchmark(tiny, {
        resultsDir: dir,
        progress: () => {},
        print: (text) => {
          printed += text;
        },
      });
      expect(failed, report.notes.join("\n")).toEqual([]);

      const workloads = new Set(report.rows.map((row) => row.workload));
      expect([...workloads]).toEqual([
        "engine burn-down",
        "gateway path",
        "reads",
        "fan-out",
        "growth",
        "cold start",
        "webhooks",
      ]);
      for (const row of report.rows) {
        expect(row.flowgate, row.label).toHaveLength(tiny.repetitions);
        for (const value of [...row.flowgate, ...(row.anchor?.values ?? [])]) {
          expect(Number.isFinite(value), `${row.label}: ${value}`).toBe(true);
        }
      }
      // PostgreSQL's CPU per read has no anchor: the bare Yoga uses no database.
      const databaseCpu = report.rows.filter((row) => row.label.includes("PostgreSQL CPU per request"));
      expect(databaseCpu.map((row) => row.workload)).toEqual(["reads", "reads", "reads"]);
      for (const workload of ["engine burn-down", "reads", "cold start"]) {
        const rows = report.rows.filter((row) => row.workload === workload && !databaseCpu.includes(row));
        expect(
          rows.every((row) => row.anchor?.values.length === tiny.repetitions),
          workload,
        ).toBe(true);
      }
      const webhookRate = report.rows.find(
        (row) => row.workload === "webhooks" && row.unit === "deliveries/s",
      );
      expect(webhookRate?.anchor?.values).toHaveLength(tiny.repetitions);
      for (const kind of ["lost", "duplicated", "reordered"]) {
        const row = report.rows.find((r) => r.workload === "fan-out" && r.label === `events ${kind}`);
        expect(row?.flowgate, kind).toEqual([0]);
      }

      expect(printed).toContain("| workload | Flowgate min / median / max | anchor min / median / max |");
      const written = JSON.parse(readFileSync(paths[0]!, "utf8")) as Report;
      expect(written.rows).toHaveLength(report.rows.length);
      expect(readFileSync(join(dir, "latest.md"), "utf8")).toBe(renderMarkdown(report));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
