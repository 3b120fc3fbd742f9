import type { RestContext } from "./api.ts";

/**
 * The dated API versions, oldest first (the changelog is `docs/api-versions.md`). A request is served in
 * the version of its `Verifa-Version` header, else in the version its API key is pinned to, else the
 * current one; an unknown version is a 400.
 */
export const apiVersions = ["2025-11-01", "2026-02-01"] as const;

/** One of {@link apiVersions}. */
export type ApiVersion = (typeof apiVersions)[number];

/** The newest version: new keys are pinned to it. */
export const currentApiVersion: ApiVersion = "2026-02-01";

/** Whether `value` names a version of {@link apiVersions}. */
export function isApiVersion(value: string): value is ApiVersion {
  return (apiVersions as readonly string[]).includes(value);
}

/**
 * The body of a list answer in the request's version. 2026-02-01: `{ data, has_more, next_cursor }`.
 * 2025-11-01: the bare array of records (no cursor; ask again with `starting_after` = the last id).
 */
export function listBody<T>(
  c: RestContext,
  page: { data: T[]; has_more: boolean; next_cursor: string | null },
): unknown {
  return c.get("apiVersion") < "2026-02-01" ? page.data : page;
}
