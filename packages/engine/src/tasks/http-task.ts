import { assertNever, parseTaskUrl, type TaskHandler } from "@flowgate/domain";
import { type HostResolver, OutboundError, outboundRequest } from "../outbound/index.ts";
import { type TaskHandlerResult, taskFailed, taskSucceeded } from "./task-outcome.ts";

/** Largest response body an http task reads, in bytes (1 MiB); a longer one is an error. */
export const maxHttpTaskResponseBytes = 1024 * 1024;

/** How much of a failed response's text body is kept in the node run's output. */
const keptErrorBodyChars = 2000;

/** Everything an http task call needs besides the handler and the input. */
export interface HttpTaskOptions {
  /** Sent as `Idempotency-Key`: the same on every attempt of the node in the run. */
  taskId: string;
  runId: string;
  nodeId: string;
  attempt: number;
  /** The workspace's `allowPrivateTaskUrls`: whether non-public addresses may be called. */
  allowPrivate: boolean;
  /** A resolver to use instead of the system's (tests); the connection is pinned to what it answers. */
  resolveHost?: HostResolver | undefined;
}

/**
 * `http`: POSTs the input as JSON to the handler's URL and takes the response JSON as the output.
 *
 * The call goes through the engine's outbound module (`../outbound`): the host is resolved once, every
 * address it resolves to must be public unless the workspace allows private addresses (`localhost` names
 * count as loopback whatever DNS says; IPv6 forms that embed an IPv4 address are judged by it), and the
 * connection is pinned to the checked addresses, so DNS rebinding cannot redirect it. Redirects are not
 * followed (a 3xx is an error). The whole exchange, DNS included, is bounded by `timeout_ms`. A 2xx
 * response with a JSON object body is the output (`{}` for an empty body; other JSON values become
 * `{ "value": … }`); a non-2xx status, a body that is not JSON, a body over 1 MiB, a refused address, a
 * network error or the timeout is an `error` outcome, whose output keeps the status and body when there
 * was a response.
 */
export async function runHttpTask(
  handler: Extract<TaskHandler, { type: "http" }>,
  input: Record<string, unknown>,
  options: HttpTaskOptions,
): Promise<TaskHandlerResult> {
  const parsed = parseTaskUrl(handler.url);
  if (!parsed.ok) return taskFailed(`url ${parsed.message}`);
  let response: Awaited<ReturnType<typeof outboundRequest>>;
  try {
    response = await outboundRequest({
      url: parsed.url,
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": "Flowgate-Task/1",
        "idempotency-key": options.taskId,
        "x-flowgate-run-id": options.runId,
        "x-flowgate-node-id": options.nodeId,
        "x-flowgate-attempt": String(options.attempt),
      },
      body: JSON.stringify(input),
      timeoutMs: handler.timeout_ms,
      maxResponseBytes: maxHttpTaskResponseBytes,
      allowPrivate: options.allowPrivate,
      resolveHost: options.resolveHost,
    });
  } catch (error) {
    if (!(error instanceof OutboundError)) throw error;
    return outboundFailure(error, handler);
  }
  const text = response.body;
  const body = parseJson(text);
  if (response.status < 200 || response.status > 299) {
    return taskFailed(`${handler.url} answered HTTP ${response.status}`, {
      status: response.status,
      body: body.ok ? body.value : text.slice(0, keptErrorBodyChars),
    });
  }
  if (text.trim() === "") return taskSucceeded({});
  if (!body.ok) {
    return taskFailed(`${handler.url} answered HTTP ${response.status} with a body that is not JSON`, {
      status: response.status,
      body: text.slice(0, keptErrorBodyChars),
    });
  }
  const value = body.value;
  return taskSucceeded(
    typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value },
  );
}

/** The task outcome of a call that got no usable response. */
function outboundFailure(
  error: OutboundError,
  handler: Extract<TaskHandler, { type: "http" }>,
): TaskHandlerResult {
  switch (error.kind) {
    case "refused":
      return taskFailed(
        `${error.message}; http tasks may call only public addresses unless the workspace sets allowPrivateTaskUrls`,
      );
    case "too_large":
      return taskFailed(error.message, { status: error.status });
    case "timeout":
      return taskFailed(`${handler.url} did not answer within ${handler.timeout_ms} ms`);
    case "invalid_url":
    case "not_found":
    case "unreachable":
      return taskFailed(error.message);
    default:
      return assertNever(error.kind);
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
