import { useOpenTelemetry } from "@envelop/opentelemetry";
import { SpanKind, type TracerProvider, trace } from "@opentelemetry/api";
import type { Plugin } from "graphql-yoga";

/**
 * OpenTelemetry spans for GraphQL operations (`@envelop/opentelemetry`): one server span per operation,
 * named after it, with its name and type as attributes and its errors recorded. Spans go to `provider`,
 * by default the tracer provider the process registered globally (an OpenTelemetry SDK started before
 * Flowgate, e.g. with `node --import`); without one they are dropped. The document, variables and result
 * are never attached: they may hold personal data.
 */
export function tracingPlugin(provider: TracerProvider = trace.getTracerProvider()): Plugin {
  return useOpenTelemetry(
    { document: false, variables: false, result: false, resolvers: false },
    provider,
    SpanKind.SERVER,
    {},
    "flowgate",
  ) as Plugin;
}
