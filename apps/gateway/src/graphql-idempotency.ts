import {
  type Application,
  authenticateApiKey,
  beginIdempotentRequest,
  finishIdempotentRequest,
  requestFingerprint,
} from "@flowgate/application";
import { GraphQLError, getOperationAST, parse } from "graphql";
import { presentedKey } from "./auth.ts";
import { type QueryLimits, readBounded } from "./query-limits.ts";

function graphqlError(
  status: number,
  code: string,
  message: string,
  extra: { extensions?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code, ...extra.extensions } }] }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...extra.headers },
  });
}

/**
 * The operation type of a GraphQL request body, or null when it cannot be told (Yoga will answer, and
 * refuse a document over the limits: this parse is bounded by the same size and token limits).
 */
function operationType(body: unknown, limits: QueryLimits): string | null {
  if (!body || typeof body !== "object") return null;
  const { query, operationName } = body as { query?: unknown; operationName?: unknown };
  if (typeof query !== "string" || query.length > limits.maxQueryBytes) return null;
  try {
    return (
      getOperationAST(
        parse(query, { maxTokens: limits.maxTokens }),
        typeof operationName === "string" ? operationName : undefined,
      )?.operation ?? null
    );
  } catch {
    return null;
  }
}

/**
 * `Idempotency-Key` on GraphQL mutations (POST `/graphql`), with the REST rules: the same key with the same
 * query, operation name and variables replays the stored answer (`Idempotent-Replayed: true`); while the
 * first is in flight 409 `IDEMPOTENCY_KEY_IN_USE`; with another request 422 `IDEMPOTENCY_KEY_REUSED`; a
 * 5xx answer frees the key. Queries, subscriptions and requests without the header go straight to Yoga.
 *
 * @param app - The application.
 * @param request - The incoming request.
 * @param execute - Runs a request through Yoga.
 * @param limits - The query limits: the body is read within them (Yoga refuses what is over them).
 */
export async function idempotentGraphQL(
  app: Application,
  request: Request,
  execute: (request: Request) => Promise<Response>,
  limits: QueryLimits,
): Promise<Response> {
  const key = request.headers.get("idempotency-key");
  if (key === null || request.method !== "POST") return execute(request);
  // A declared length over the limit, or a body that is not JSON: Yoga answers it as without the key.
  const declared = request.headers.get("content-length");
  const json = request.headers.get("content-type")?.toLowerCase().includes("json") ?? false;
  if (!request.body || !json || (declared !== null && Number(declared) > limits.maxBodyBytes))
    return execute(request);
  let text: string;
  try {
    const bytes = await readBounded(request.body, limits.maxBodyBytes, limits.maxQueryBytes);
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const { code, http, ...extensions } = error.extensions as {
      code: string;
      http: { status: number; headers?: Record<string, string> };
    };
    return graphqlError(http.status, code, error.message, { extensions, headers: http.headers ?? {} });
  }
  const replayable = new Request(request.url, { method: "POST", headers: request.headers, body: text });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return execute(replayable);
  }
  if (operationType(parsed, limits) !== "mutation") return execute(replayable);
  const auth = await authenticateApiKey(
    app,
    presentedKey((name) => request.headers.get(name)),
  );
  // A refused key: Yoga answers it as usual (401), nothing is stored.
  if (!auth.ok) return execute(replayable);
  const { query, operationName, variables } = parsed as Record<string, unknown>;
  const fingerprint = requestFingerprint(
    "graphql",
    String(query),
    typeof operationName === "string" ? operationName : "",
    JSON.stringify(variables ?? {}),
  );
  let claim: Awaited<ReturnType<typeof beginIdempotentRequest>>;
  try {
    claim = await beginIdempotentRequest(app, auth.actor, { key, fingerprint });
  } catch (error) {
    if (error instanceof Error && "issues" in error)
      return graphqlError(400, "BAD_USER_INPUT", error.message);
    throw error;
  }
  switch (claim.kind) {
    case "replay":
      return new Response(claim.body, {
        status: claim.status,
        headers: { "content-type": "application/json; charset=utf-8", "idempotent-replayed": "true" },
      });
    case "in_flight":
      return graphqlError(
        409,
        "IDEMPOTENCY_KEY_IN_USE",
        "A request with this Idempotency-Key is still being processed; retry once it has finished.",
      );
    case "mismatch":
      return graphqlError(
        422,
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was used for a different operation or variables; use a new key.",
      );
    case "claimed":
      break;
  }
  let response: Response;
  try {
    response = await execute(replayable);
  } catch (error) {
    await finishIdempotentRequest(app, auth.actor, { key, fingerprint, status: 500, body: "" });
    throw error;
  }
  const answer = await response.text();
  await finishIdempotentRequest(app, auth.actor, { key, fingerprint, status: response.status, body: answer });
  return new Response(answer, { status: response.status, headers: response.headers });
}
