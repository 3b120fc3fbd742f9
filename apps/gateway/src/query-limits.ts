import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { type ExecutionResult, GraphQLError, parse, type Source, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import { jsonBodyScanner } from "./json-body-scanner.ts";
import { requestContext } from "./observability/request-context.ts";

/**
 * The bounds every GraphQL document and request body must keep to (settings `FLOWGATE_MAX_*`). They are
 * checked while parsing and validating — before any resolver runs — so a hostile document costs the
 * gateway a parse, not a database query.
 */
export interface QueryLimits {
  /** Largest request body in bytes (HTTP 413 beyond it; graphql-ws messages are capped the same). */
  maxBodyBytes: number;
  /**
   * Largest GraphQL document (the `query`) in bytes, UTF-8. Far below the body limit, which leaves room for
   * variables: a JSON body is refused as soon as a top-level string of it passes this bound, before the
   * rest is read or any JSON is parsed.
   */
  maxQueryBytes: number;
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
  maxQueryBytes: "QUERY_TOO_LARGE",
  maxDepth: "QUERY_TOO_DEEP",
  maxAliases: "TOO_MANY_ALIASES",
  maxTokens: "TOO_MANY_TOKENS",
  maxDirectives: "TOO_MANY_DIRECTIVES",
  maxCost: "QUERY_TOO_COSTLY",
} as const;

/**
 * Notes on the request being served that a limit refused it (logged, and the client is held back: see
 * refused-client-queue.ts). Returns `error`.
 */
function refusal(error: GraphQLError): GraphQLError {
  const log = requestContext.getStore();
  if (log) log.refusedBy = String(error.extensions.code);
  return error;
}

/** A limit of the document, enforced while parsing or validating. */
type ArmorLimit = Exclude<keyof typeof queryLimitCodes, "maxBodyBytes" | "maxQueryBytes">;

/** The refusal of a document that exceeds `limit`: HTTP 400 with its code and the bound. */
function limitError(limit: ArmorLimit, limits: QueryLimits, armorError: GraphQLError): GraphQLError {
  return refusal(
    new GraphQLError(armorError.message.replace(/^Syntax Error: /, ""), {
      extensions: { code: queryLimitCodes[limit], limit: limits[limit], http: { status: 400 } },
    }),
  );
}

/**
 * graphql-armor's rejection hook for a validation-time limit: it reports our coded error instead of
 * armor's plain one (armor is told not to propagate its own).
 */
function rejectWith(limit: ArmorLimit, limits: QueryLimits) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const coded = limitError(limit, limits, error);
    if (!context) throw coded;
    context.reportError(coded);
  };
}

/** The 413 answer to a document over `maxQueryBytes`; `unread` when the rest of the body was not read. */
export function queryTooLargeError(maxQueryBytes: number, unread = false): GraphQLError {
  return refusal(
    new GraphQLError(`The GraphQL document is larger than the limit of ${maxQueryBytes} bytes.`, {
      extensions: {
        code: queryLimitCodes.maxQueryBytes,
        limit: maxQueryBytes,
        http: { status: 413, ...(unread ? { headers: { connection: "close" } } : {}) },
      },
    }),
  );
}

/** Whether `text` is longer than `maxBytes` in UTF-8 (without encoding it when its length decides). */
function longerThan(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true; // a UTF-16 code unit is at least one UTF-8 byte
  if (text.length * 3 <= maxBytes) return false; // …and at most three
  return Buffer.byteLength(text, "utf8") > maxBytes;
}

/** graphql-js's message when `parse(…, { maxTokens })` stops. */
const tokenLimitMessage = /^Syntax Error: Document contains more th(?:an|at) \d+ tokens/;

/**
 * Bounds every parse, whichever transport brought the document (HTTP, SSE, graphql-ws, multipart): a
 * document over `maxQueryBytes` is refused before the lexer sees it, and graphql-js's own `maxTokens`
 * stops the parser at the first token over the limit. (graphql-armor's token limit counts the same
 * tokens through a Proxy around the lexer, which doubles the parse time of every document; graphql-js
 * counts them natively since 16.7.) Runs before Yoga's parse cache, so a huge document is never hashed.
 */
function parseLimitPlugin(limits: QueryLimits): Plugin {
  const parseWithLimits = (source: string | Source, options?: Parameters<typeof parse>[1]) => {
    try {
      return parse(source, { ...options, maxTokens: limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError && tokenLimitMessage.test(error.message)) {
        throw refusal(
          new GraphQLError(`Token limit of ${limits.maxTokens} exceeded.`, {
            extensions: {
              code: queryLimitCodes.maxTokens,
              limit: limits.maxTokens,
              http: { status: 400 },
            },
          }),
        );
      }
      throw error;
    }
  };
  return {
    onParse({ params, setParseFn }) {
      const text = typeof params.source === "string" ? params.source : params.source.body;
      if (longerThan(text, limits.maxQueryBytes)) throw queryTooLargeError(limits.maxQueryBytes);
      setParseFn(parseWithLimits);
    },
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
    // Counted by graphql-js's parser itself (parseLimitPlugin).
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives, ...common("maxDirectives") },
    costLimit: { maxCost: limits.maxCost, ...common("maxCost") },
    blockFieldSuggestion: { enabled: !limits.fieldSuggestions },
  }) as Plugin;
}

/** The 413 answer to a body over `maxBodyBytes`. */
export function requestTooLargeError(maxBodyBytes: number): GraphQLError {
  return refusal(
    new GraphQLError(`The request body is larger than the limit of ${maxBodyBytes} bytes.`, {
      extensions: {
        code: queryLimitCodes.maxBodyBytes,
        limit: maxBodyBytes,
        http: { status: 413, headers: { connection: "close" } },
      },
    }),
  );
}

/** A refusal of the body as JSON, as Yoga's own JSON parser words it. */
function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: "BAD_REQUEST", http: { spec: true, status: 400 } },
  });
}

/**
 * Reads a body stream up to `maxBytes`; beyond it the stream is cancelled and a 413 error thrown, so a
 * chunked body without `Content-Length` is bounded too. With `maxQueryBytes`, each chunk of the (JSON)
 * body is scanned as it arrives and the read stops, refused with `QUERY_TOO_LARGE`, as soon as a
 * top-level string of it is over that bound (see {@link jsonBodyScanner}).
 */
export async function readBounded(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  maxQueryBytes?: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const reader = body.getReader();
  const scan = maxQueryBytes === undefined ? null : jsonBodyScanner();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    let refusal: GraphQLError | null = null;
    if (total > maxBytes) refusal = requestTooLargeError(maxBytes);
    else if (scan && maxQueryBytes !== undefined && scan(value) > maxQueryBytes)
      refusal = queryTooLargeError(maxQueryBytes, true);
    if (refusal) {
      await reader.cancel().catch(() => {});
      throw refusal;
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]?.buffer instanceof ArrayBuffer)
    return chunks[0] as Uint8Array<ArrayBuffer>;
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Parses a JSON GraphQL request body as Yoga's parser would (an object, else `BAD_REQUEST`), after
 * {@link readBounded} with the document bound, then checks the `query` exactly.
 */
async function parseJsonBody(request: Request, limits: QueryLimits): Promise<Record<string, unknown>> {
  const bytes = request.body
    ? await readBounded(request.body, limits.maxBodyBytes, limits.maxQueryBytes)
    : new Uint8Array(0);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    throw badRequest("POST body sent invalid JSON.");
  }
  if (body === null || typeof body !== "object")
    throw badRequest(
      `POST body is expected to be object but received ${body === null ? "null" : typeof body}`,
    );
  const { query } = body as { query?: unknown };
  if (typeof query === "string" && longerThan(query, limits.maxQueryBytes))
    throw queryTooLargeError(limits.maxQueryBytes);
  return body as Record<string, unknown>;
}

/**
 * Largest multipart upload request (GraphQL multipart request spec): one document of up to 10 MiB (the
 * documents' own limit, which answers a typed `ValidationError` at `file`) plus the form's other parts.
 */
export const maxUploadRequestBytes = 10 * 1024 * 1024 + 256 * 1024;

/**
 * Bounds request bodies: a declared `Content-Length` over the limit is refused before reading, and a
 * body is read up to the limit. A JSON body (`application/json`, what clients send) is read and parsed
 * here, refused as soon as its document is over `maxQueryBytes`; other bodies are handed to Yoga's own
 * parser (multipart, …). Multipart uploads get {@link maxUploadRequestBytes} (or the body limit, when
 * that is higher).
 */
function bodyLimitPlugin(limits: QueryLimits): Plugin {
  const bodyLimit = limits.maxBodyBytes;
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!request.body || !requestParser) return;
      const contentType = request.headers.get("content-type")?.toLowerCase() ?? "";
      const multipart = contentType.startsWith("multipart/form-data");
      const maxBodyBytes = multipart ? Math.max(bodyLimit, maxUploadRequestBytes) : bodyLimit;
      const length = request.headers.get("content-length");
      // Node's HTTP parser delivers exactly the declared length, so a declared size is the size.
      if (length !== null && Number(length) > maxBodyBytes) throw requestTooLargeError(maxBodyBytes);
      if (request.method === "POST" && /^application\/(graphql\+)?json\s*(;|$)/.test(contentType)) {
        setRequestParser((incoming) => parseJsonBody(incoming, limits) as never);
        return;
      }
      if (length !== null) return;
      setRequestParser(async (incoming) => {
        const bytes = incoming.body ? await readBounded(incoming.body, maxBodyBytes) : new Uint8Array(0);
        return requestParser(
          new Request(incoming.url, { method: incoming.method, headers: incoming.headers, body: bytes }),
        );
      });
    },
  };
}

/** The codes of {@link queryLimitCodes}, to recognise a refusal among an answer's errors. */
const refusalCodes: ReadonlySet<unknown> = new Set(Object.values(queryLimitCodes));

/**
 * Notes a refusal that Yoga answered from its caches: a document refused once is refused again by Yoga's
 * parse-error or validation cache (the same error, or the same validation result), before the parse or the
 * armor rule that calls {@link refusal} runs. Every answer carrying a limit's code is marked, so a client
 * that repeats a refused document is logged and held back each time.
 */
function cachedRefusalPlugin(): Plugin {
  return {
    onResultProcess({ result }) {
      const log = requestContext.getStore();
      if (!log || log.refusedBy) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        const errors = (one as ExecutionResult | undefined)?.errors;
        const refused = errors?.find((error) => refusalCodes.has(error.extensions?.code));
        if (refused) {
          log.refusedBy = String(refused.extensions.code);
          return;
        }
      }
    },
  };
}

/**
 * The Yoga plugins that enforce `limits` on every operation of an endpoint — over HTTP, SSE, and the
 * graphql-ws operations that go through the same enveloped `parse`/`validate`.
 */
export function queryLimitPlugins(limits: QueryLimits): Plugin[] {
  return [bodyLimitPlugin(limits), parseLimitPlugin(limits), armorPlugin(limits), cachedRefusalPlugin()];
}
