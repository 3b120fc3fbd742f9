/** The badge colour of a status or result word. */
export function statusBadge(status: string): "ok" | "bad" | "warn" | "run" | "" {
  switch (status) {
    case "completed":
    case "approved":
    case "APPROVED":
    case "REVIEWED":
    case "active":
    case "pass":
    case "passed":
    case "success":
      return "ok";
    case "failed":
    case "rejected":
    case "REJECTED":
    case "expired":
    case "revoked":
    case "cancelled":
    case "fail":
    case "error":
    case "errored":
      return "bad";
    case "awaiting_external":
    case "paused":
    case "needs_review":
    case "UNDER_REVIEW":
    case "CHANGES_REQUESTED":
      return "warn";
    case "processing":
    case "running":
    case "retrying":
    case "in_progress":
    case "SUBMITTED":
    case "RESUBMITTED":
      return "run";
    default:
      return "";
  }
}
