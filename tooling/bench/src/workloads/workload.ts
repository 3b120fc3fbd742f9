import type { BenchConfig } from "../config.ts";
import type { Figure } from "../report.ts";

/** What a workload hands back: its rows, and remarks printed under the table. */
export interface WorkloadResult {
  figures: Figure[];
  notes: string[];
}

/** One workload: measures Flowgate and its anchor `config.repetitions` times in this run. */
export type Workload = (config: BenchConfig, progress: (message: string) => void) => Promise<WorkloadResult>;
