/**
 * Key casing of REST bodies. Responses are built in snake_case (the seeds' shape); `Key-Inflection: camel`
 * turns their keys into camelCase, and request bodies sent in camelCase under that header are turned into
 * snake_case before validation. Values that are the caller's own data (metadata, payloads, answers,
 * graphs) keep their keys as they are, and maps keyed by ids (node results) keep their keys.
 */

/** The casing a request asked for. */
export type Inflection = "snake" | "camel";

/**
 * Keys whose values are the caller's own data (metadata, graphs, payloads, answers keyed by question ids,
 * check output): never re-cased, in requests or in answers. The REST presenters keep them too.
 */
export const callerDataKeys: readonly string[] = [
  "metadata",
  "graph",
  "graph_snapshot",
  "trigger_payload",
  "input_data",
  "output_data",
  "output",
  "answers",
  "payload",
  "payload_schema",
  "input",
  "decision_metadata",
];

/**
 * Keys never re-cased by `Key-Inflection`: the caller's data, and request members whose values are
 * written as the seeds spell them (sandbox outcomes, change sets, check configurations).
 */
const opaqueKeys = new Set([...callerDataKeys, "sandbox", "changes", "checks"]);

/** Keys whose values are maps keyed by ids: their keys stay, their entries are re-cased. */
const idMapKeys = new Set(["node_results"]);

/** `node_results` → `nodeResults`. */
export function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `nodeResults` → `node_results`. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

function recase(value: unknown, rename: (key: string) => string, keyOf: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => recase(item, rename, keyOf));
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const snake = keyOf(key);
    if (opaqueKeys.has(snake)) out[rename(key)] = inner;
    else if (idMapKeys.has(snake) && inner && typeof inner === "object" && !Array.isArray(inner)) {
      out[rename(key)] = Object.fromEntries(
        Object.entries(inner).map(([id, entry]) => [id, recase(entry, rename, keyOf)]),
      );
    } else out[rename(key)] = recase(inner, rename, keyOf);
  }
  return out;
}

/** A snake_case response body in the casing the request asked for. */
export function inflectResponse(body: unknown, inflection: Inflection): unknown {
  return inflection === "camel" ? recase(body, camelCase, (key) => key) : body;
}

/** A request body in snake_case (camelCase keys are renamed when the request asked for camel). */
export function normalizeRequest(body: unknown, inflection: Inflection): unknown {
  return inflection === "camel" ? recase(body, snakeCase, snakeCase) : body;
}

/** The inflection a request asked for with `Key-Inflection` (default snake). */
export function requestedInflection(header: string | undefined | null): Inflection {
  return header?.trim().toLowerCase() === "camel" ? "camel" : "snake";
}

/** A field path in the request's casing, e.g. `["referenceId"]` → `reference_id` (snake). */
export function fieldPath(path: readonly string[], inflection: Inflection): string {
  return path.map((segment) => (inflection === "camel" ? camelCase(segment) : snakeCase(segment))).join(".");
}
