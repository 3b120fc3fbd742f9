import type { RoutingContext } from "../graph/routing.ts";

/**
 * A parsed path into the data a task can read: the trigger payload (`payload`, `payload.<key…>`), the
 * session's data (`session`, `session.<key…>`), or the output of an earlier node (`<nodeId>.output`,
 * `<nodeId>.output.<key…>`). Further keys descend into nested objects, and into arrays by index.
 */
export type DataPath =
  | { root: "payload"; keys: string[] }
  | { root: "session"; keys: string[] }
  | { root: "output"; nodeId: string; keys: string[] };

/** Pattern of one segment of a data path: letters, digits, `_` and `-`. */
export const dataPathSegmentPattern = /^[A-Za-z0-9_-]+$/;

/** Result of {@link parseDataPath}. */
export type DataPathParse = { ok: true; path: DataPath } | { ok: false; message: string };

/**
 * Parses a data path such as `payload.customer.email` or `enrich.output.score`.
 *
 * @param text - The path as written.
 * @returns The parsed path, or a message that reads well after the path (`"… must be …"`).
 */
export function parseDataPath(text: string): DataPathParse {
  const segments = text.split(".");
  if (segments.some((segment) => !dataPathSegmentPattern.test(segment))) {
    return {
      ok: false,
      message: `"${text}" is not a valid path: segments are separated by "." and contain only letters, digits, "_" and "-"`,
    };
  }
  const [head = "", second, ...rest] = segments;
  if (head === "payload" || head === "session") {
    return { ok: true, path: { root: head, keys: segments.slice(1) } };
  }
  if (second !== "output") {
    return {
      ok: false,
      message: `"${text}" must start with "payload", "session" or "<nodeId>.output"`,
    };
  }
  return { ok: true, path: { root: "output", nodeId: head, keys: rest } };
}

/**
 * Reads a data path. Only own properties are read; a missing value is `undefined`.
 *
 * @param path - A parsed path.
 * @param ctx - The run's payload, session data and node outputs.
 */
export function resolveDataPath(path: DataPath, ctx: RoutingContext): unknown {
  const root =
    path.root === "payload"
      ? ctx.payload
      : path.root === "session"
        ? ctx.session
        : ownValue(ctx.outputs, path.nodeId);
  let value: unknown = root;
  for (const key of path.keys) {
    value = ownValue(value, key);
    if (value === undefined) return undefined;
  }
  return value;
}

/**
 * The path as written (`payload.a.b`, `enrich.output.score`).
 *
 * @param path - A parsed path.
 */
export function formatDataPath(path: DataPath): string {
  const head = path.root === "output" ? `${path.nodeId}.output` : path.root;
  return [head, ...path.keys].join(".");
}

function ownValue(container: unknown, key: string): unknown {
  if (typeof container !== "object" || container === null) return undefined;
  if (Array.isArray(container)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key)) return undefined;
    return container[Number(key)];
  }
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined;
}
