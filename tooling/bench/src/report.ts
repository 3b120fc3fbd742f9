import { mkdirSync, writeFileSync } from "node:fs";
import { type Spread, spread } from "./support/stats.ts";

/**
 * What a figure must reach, checked on the median of its repetitions. `ratio*` targets compare Flowgate's
 * median with the anchor's median (Flowgate / anchor).
 */
export type Target =
  | { kind: "atLeast"; value: number }
  | { kind: "atMost"; value: number }
  | { kind: "below"; value: number }
  | { kind: "ratioAtLeast"; value: number }
  | { kind: "ratioAtMost"; value: number }
  | { kind: "none" };

/** One row of the table: a Flowgate figure per repetition, beside its anchor's from the same run. */
export interface Figure {
  /** Which workload it belongs to (engine, gateway path, reads, fan-out, growth, cold start). */
  workload: string;
  /** What is measured, e.g. "5-node runs/s, 1 process × 4". */
  label: string;
  unit: string;
  /** One value per repetition. */
  flowgate: number[];
  anchor?: { label: string; values: number[] };
  /** Every target must be met (DESIGN §7). */
  targets: Target[];
}

/** A figure with its summaries and verdict, as printed and written. */
export interface ReportRow extends Figure {
  flowgateSpread: Spread;
  anchorSpread: Spread | null;
  ratio: number | null;
  target: string;
  met: boolean | null;
}

/** A whole benchmark run: the rows and what they were measured on. */
export interface Report {
  startedAt: string;
  finishedAt: string;
  environment: Record<string, string | number>;
  config: Record<string, unknown>;
  rows: ReportRow[];
  /** Remarks printed under the table (where clients ran, errors seen, …). */
  notes: string[];
}

/** Summarizes a figure: min/median/max, ratio of the medians, target text and whether it is met. */
export function toRow(figure: Figure): ReportRow {
  const flowgateSpread = spread(figure.flowgate);
  const anchorSpread = figure.anchor ? spread(figure.anchor.values) : null;
  const ratio = anchorSpread ? flowgateSpread.median / anchorSpread.median : null;
  const verdicts = figure.targets
    .filter((t) => t.kind !== "none")
    .map((t) => meets(t, flowgateSpread.median, ratio));
  return {
    ...figure,
    flowgateSpread,
    anchorSpread,
    ratio,
    target:
      figure.targets
        .filter((t) => t.kind !== "none")
        .map((t) => describeTarget(t, figure.unit))
        .join(" and ") || "—",
    met: verdicts.length === 0 || verdicts.some((v) => v === null) ? null : verdicts.every(Boolean),
  };
}

function meets(target: Target, value: number, ratio: number | null): boolean | null {
  if (!Number.isFinite(value)) return false;
  switch (target.kind) {
    case "atLeast":
      return value >= target.value;
    case "atMost":
      return value <= target.value;
    case "below":
      return value < target.value;
    case "ratioAtLeast":
      return ratio === null || !Number.isFinite(ratio) ? null : ratio >= target.value;
    case "ratioAtMost":
      return ratio === null || !Number.isFinite(ratio) ? null : ratio <= target.value;
    case "none":
      return null;
  }
}

function describeTarget(target: Target, unit: string): string {
  switch (target.kind) {
    case "atLeast":
      return `≥ ${formatNumber(target.value)} ${unit}`;
    case "atMost":
      return target.value === 0 ? "0" : `≤ ${formatNumber(target.value)} ${unit}`;
    case "below":
      return `< ${formatNumber(target.value)} ${unit}`;
    case "ratioAtLeast":
      return `≥ ${target.value}× anchor`;
    case "ratioAtMost":
      return `≤ ${target.value}× anchor`;
    case "none":
      return "—";
  }
}

/** A number with precision that suits its size (3 significant digits below 100, integers above). */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString("en-US");
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function formatSpread(s: Spread): string {
  return `${formatNumber(s.min)} / ${formatNumber(s.median)} / ${formatNumber(s.max)}`;
}

/** The report as one Markdown table followed by its notes (also what is printed to the console). */
export function renderMarkdown(report: Report): string {
  const header =
    "| workload | Flowgate min / median / max | anchor min / median / max | ratio | target | met? |";
  const lines = [header, "|---|---|---|---|---|---|"];
  for (const row of report.rows) {
    const anchor =
      row.anchor && row.anchorSpread ? `${row.anchor.label}: ${formatSpread(row.anchorSpread)}` : "—";
    const ratio = row.ratio === null ? "—" : `${formatNumber(row.ratio)}×`;
    const met = row.met === null ? "—" : row.met ? "yes" : "**no**";
    lines.push(
      `| ${row.workload}: ${row.label} (${row.unit}) | ${formatSpread(row.flowgateSpread)} | ${anchor} | ${ratio} | ${row.target} | ${met} |`,
    );
  }
  const environment = Object.entries(report.environment)
    .map(([key, value]) => `${key} ${value}`)
    .join(", ");
  return [
    `Flowgate benchmark, ${report.startedAt} → ${report.finishedAt}`,
    `Environment: ${environment}`,
    "",
    ...lines,
    "",
    ...report.notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
}

/**
 * Writes the report as `<dir>/<timestamp>-<scale>.json` and `.md`, and as `latest.json` / `latest.md`, so
 * later sessions can compare runs. Returns the paths written.
 */
export function writeReport(report: Report, dir: string, scale: string): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, "-");
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const markdown = renderMarkdown(report);
  const paths = [`${dir}/${stamp}-${scale}.json`, `${dir}/${stamp}-${scale}.md`];
  writeFileSync(paths[0]!, json);
  writeFileSync(paths[1]!, markdown);
  writeFileSync(`${dir}/latest.json`, json);
  writeFileSync(`${dir}/latest.md`, markdown);
  return paths;
}
