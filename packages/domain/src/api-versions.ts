/**
 * The dated versions of the REST API, oldest first (changelog: `docs/api-versions.md`). Each API key is
 * pinned to the version current when it was created; a request's `Verifa-Version` header overrides it.
 */
export const apiVersions = ["2025-11-01", "2026-02-01", "2026-12-01"] as const;

/** One of {@link apiVersions}. */
export type ApiVersion = (typeof apiVersions)[number];

/** The newest version: new keys are pinned to it. */
export const currentApiVersion: ApiVersion = "2026-12-01";

/** Whether `value` names one of {@link apiVersions}. */
export function isApiVersion(value: unknown): value is ApiVersion {
  return typeof value === "string" && (apiVersions as readonly string[]).includes(value);
}
