/** What running a task handler produced: its output on success, or why it failed. */
export type TaskHandlerResult =
  | { outcome: "success"; output: Record<string, unknown> }
  | { outcome: "error"; output: Record<string, unknown> | null; error: string };

/** A successful result. */
export function taskSucceeded(output: Record<string, unknown>): TaskHandlerResult {
  return { outcome: "success", output };
}

/** A failed result; `output` keeps what is worth seeing (an http status and body). */
export function taskFailed(error: string, output: Record<string, unknown> | null = null): TaskHandlerResult {
  return { outcome: "error", output, error };
}
