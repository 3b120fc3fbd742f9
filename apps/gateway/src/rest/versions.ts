import type { RestContext } from "./api.ts";

// The versions themselves live in the domain (`apiVersions`, `currentApiVersion`); the differences between
// them live here, one function per difference, each named in docs/api-versions.md.

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

/**
 * Whether `POST /responses/{id}/autofill/` answers at once with the queued job (202; 2026-12-01), rather
 * than waiting for it and answering the filled answers (200; before, when autofill was synchronous).
 */
export function autofillAnswersJob(c: RestContext): boolean {
  return c.get("apiVersion") >= "2026-12-01";
}
