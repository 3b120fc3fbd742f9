import { statusBadge } from "./status.ts";

/** A status or result word as a badge, coloured by {@link statusBadge}. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${statusBadge(status)}`}>{status}</span>;
}
