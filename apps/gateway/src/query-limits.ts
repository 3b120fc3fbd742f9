import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * The bounds every GraphQL document and request body must keep to (settings `FLOWGATE_MAX_*`). They are
 * checked while parsing and validating — before any resolver runs — so a hostile document costs the
 * gateway a parse, not a database query.
 */
export interface QueryLimits {
  /** Largest request body in bytes (HTTP 413 beyond it; graphql-ws messages are capped the same). */
  maxBodyBytes: number;
  /** Deepest selection nesting (fragments counted at their depth). */
  maxDepth: number;
  /** Most aliases in one operation. */
  maxAliases: number;
  /** Most lexical tokens in one document; counting stops the parser as soon as it is exceeded. */
  maxTokens: number;
  /** Most directives in one operation. */
  maxDirectives: number;
  /**
   * Highest cost of one operation: objects count 2, scalars 1, each level multiplies by 1.5, and a
   * literal `first`/`last` multiplies its connection (graphql-armor's cost model).
   */
  maxCost: number;
  /** Keep "Did you mean …?" in validation errors (only `NODE_ENV=development`: it leaks the schema). */
  fieldSuggestions: boolean;
}

/** The `extensions.code` of each refusal, by the limit that was exceeded. */
export const queryLimitCodes = {
  maxBodyBytes: "REQUEST_TOO_LARGE",
  maxDepth: "QUERY_TOO_DEEP",
  maxAliases: "TOO_MANY_ALIASES",
  maxTokens: "TOO_MANY_TOKENS",
  maxDirectives: "TOO_MANY_DIRECTIVES",
  maxCost: "QUERY_TOO_COSTLY",
} as const;

/** A limit that graphql-armor enforces. */
type ArmorLimit = Exclude<keyof typeof queryLimitCodes, "maxBodyBytes">;

/** The refusal of a document that exceeds `limit`: HTTP 400 with its code and the bound. */
function limitError(limit: ArmorLimit, limits: QueryLimits, armorError: GraphQLError): GraphQLError {
  return new GraphQLError(armorError.message.replace(/^Syntax Error: /, ""), {
    extensions: { code: queryLimitCodes[limit], limit: limits[limit], http: { status: 400 } },
  });
}

/**
 * graphql-armor's rejection hook for a validation-time limit: it reports our coded error instead of
 * armor's plain one (armor is told not to propagate its own). The token limit is checked while parsing,
 * where there is no validation context: there the coded error is thrown, which stops the parser.
 */
function rejectWith(limit: ArmorLimit, limits: QueryLimits) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const coded = limitError(limit, limits, error);
    if (!context) throw coded;
    context.reportError(coded);
  };
}

/** graphql-armor configured with `limits` and coded errors; suggestions are masked unless allowed. */
function armorPlugin(limits: QueryLimits): Plugin {
  const common = (limit: ArmorLimit) => ({
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [rejectWith(limit, limits)],
  });
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth, ...common("maxDepth") },
    maxAliases: { n: limits.maxAliases, ...common("maxAliases") },
    maxTokens: { n: limits.maxTokens, ...common("maxTokens") },
    maxDirectives: { n: limits.maxDirectives, ...common("maxDirectives") },
    costLimit: { maxCost: limits.maxCost, ...common("maxCost") },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  }) as Plugin;
}

/** The 413 answer to a body over `maxBodyBytes`. */
export function requestTooLargeError(maxBodyBytes: number): GraphQLError {
  return new GraphQLError(`The request body is larger than the limit of ${maxBodyBytes} bytes.`, {
    extensions: {
      code: queryLimitCodes.maxBodyBytes,
      limit: maxBodyBytes,
      http: { status: 413, headers: { connection: "close" } },
    },
  });
}

/**
 * Reads a body stream up to `maxBytes`; beyond it the stream is cancelled and a 413 error thrown, so a
 * chunked body without `Content-Length` is bounded too.
 */
async function readBounded(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw requestTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Largest multipart upload request (GraphQL multipart request spec): one document of up to 10 MiB (the
 * documents' own limit, which answers a typed `ValidationError` at `file`) plus the form's other parts.
 */
export const maxUploadRequestBytes = 10 * 1024 * 1024 + 256 * 1024;

/**
 * Bounds request bodies: a declared `Content-Length` over the limit is refused before reading, and a
 * chunked body is read up to the limit, then handed to Yoga's own parser (JSON, multipart, …). Multipart
 * uploads get {@link maxUploadRequestBytes} (or the body limit, when that is higher).
 */
function bodyLimitPlugin(bodyLimit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!request.body || !requestParser) return;
      const multipart = request.headers.get("content-type")?.toLowerCase().startsWith("multipart/form-data");
      const maxBodyBytes = multipart ? Math.max(bodyLimit, maxUploadRequestBytes) : bodyLimit;
      const length = request.headers.get("content-length");
      if (length !== null) {
        // Node's HTTP parser delivers exactly the declared length, so a declared size is the size.
        if (Number(length) > maxBodyBytes) throw requestTooLargeError(maxBodyBytes);
        return;
      }
      setRequestParser(async (incoming) => {
        const bytes = incoming.body ? await readBounded(incoming.body, maxBodyBytes) : new Uint8Array(0);
        return requestParser(
          new Request(incoming.url, { method: incoming.method, headers: incoming.headers, body: bytes }),
        );
      });
    },
  };
}

/**
 * The Yoga plugins that enforce `limits` on every operation of an endpoint — over HTTP, SSE, and the
 * graphql-ws operations that go through the same enveloped `parse`/`validate`.
 */
export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  return [bodyLimitPlugin(limits.maxBodyBytes), armorPlugin(limits)];
}
