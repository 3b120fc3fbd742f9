import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { usePrometheus } from "@graphql-yoga/plugin-prometheus";
import type { Plugin } from "graphql-yoga";
import { collectDefaultMetrics, Registry } from "prom-client";

/** Path the metrics are served at. */
export const metricsPath = "/metrics";

/**
 * The process's Prometheus registry: Node's default process metrics (CPU, memory, event loop, GC), with
 * the engine's and GraphQL's registered into it by their owners. One per app, so that several apps in
 * one process (the tests) keep their own counts.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The GraphQL metrics of `@graphql-yoga/plugin-prometheus` in `registry`, by operation name and type:
 * `graphql_envelop_request` (a counter), `graphql_envelop_request_duration`, the phase histograms,
 * `graphql_envelop_error_result` and `graphql_yoga_http_duration`. Both GraphQL endpoints add the same
 * plugin; their metrics share the series. Yoga does not serve them itself: the HTTP server does, behind
 * the optional token.
 */
export function graphqlMetricsPlugin(registry: Registry): Plugin {
  return usePrometheus({
    registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: true,
      graphql_envelop_phase_parse: true,
      graphql_envelop_phase_validate: true,
      graphql_envelop_phase_context: true,
      graphql_envelop_phase_execute: true,
      graphql_envelop_phase_subscribe: true,
      graphql_envelop_error_result: true,
      graphql_yoga_http_duration: true,
      // Off (the plugin's defaults turn them on): the deprecated-field counter walks every operation's
      // document with a TypeInfo on each request (Yoga's parse cache does not spare it), and the schema
      // never changes while a gateway runs.
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
    },
  });
}

/** Whether `authorization` is `Bearer <token>` (compared in constant time). */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  if (!match?.[1]) return false;
  const presented = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * Answers `GET /metrics` with the registry in Prometheus' text format; with a `token`, only to
 * `Authorization: Bearer <token>` (else 401). Returns whether the request was for the metrics.
 */
export function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  registry: Registry,
  token: string | undefined,
): boolean {
  if (req.url?.split("?", 1)[0] !== metricsPath || (req.method !== "GET" && req.method !== "HEAD"))
    return false;
  if (token && !bearerMatches(req.headers.authorization, token)) {
    res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="metrics"' });
    res.end("A bearer token is required for /metrics.\n");
    return true;
  }
  registry.metrics().then(
    (text) => {
      res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
      res.end(text);
    },
    () => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("The metrics could not be collected.\n");
    },
  );
  return true;
}
