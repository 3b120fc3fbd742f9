import { lookup } from "node:dns/promises";
import {
  type AddressClass,
  classifyIpAddress,
  isAllowedTaskAddress,
  isLocalHostname,
  parseTaskUrl,
  type TaskHandler,
} from "@flowgate/domain";
import { type TaskHandlerResult, taskFailed, taskSucceeded } from "./task-outcome.ts";

/** Largest response body an http task reads, in bytes (1 MiB); a longer one is an error. */
export const maxHttpTaskResponseBytes = 1024 * 1024;

/** How much of a failed response's text body is kept in the node run's output. */
const keptErrorBodyChars = 2000;

/** Resolves a host name to its addresses (`node:dns` by default; tests may substitute one). */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** Everything an http task call needs besides the handler and the input. */
export interface HttpTaskOptions {
  /** Sent as `Idempotency-Key`: the same on every attempt of the node in the run. */
  taskId: string;
  runId: string;
  nodeId: string;
  attempt: number;
  /** The workspace's `allowPrivateTaskUrls`: whether non-public addresses may be called. */
  allowPrivate: boolean;
  resolveHost?: HostResolver;
}

const defaultResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * `http`: POSTs the input as JSON to the handler's URL and takes the response JSON as the output.
 *
 * Before connecting, the URL's host is resolved and every address it resolves to must be public unless
 * the workspace allows private addresses (`localhost` names count as loopback whatever DNS says).
 * Redirects are not followed (a 3xx is an error). The whole exchange, DNS included, is bounded by
 * `timeout_ms`. A 2xx response with a JSON object body is the output (`{}` for an empty body; other JSON
 * values become `{ "value": … }`); a non-2xx status, a body that is not JSON, a body over 1 MiB, a refused
 * address, a network error or the timeout is an `error` outcome, whose output keeps the status and body
 * when there was a response.
 *
 * Known limit: addresses are checked when resolved, and `fetch` resolves the name again when it connects,
 * so a DNS server that answers differently the second time (DNS rebinding) is not stopped by this check.
 */
export async function runHttpTask(
  handler: Extract<TaskHandler, { type: "http" }>,
  input: Record<string, unknown>,
  options: HttpTaskOptions,
): Promise<TaskHandlerResult> {
  const signal = AbortSignal.timeout(handler.timeout_ms);
  try {
    const parsed = parseTaskUrl(handler.url);
    if (!parsed.ok) return taskFailed(`url ${parsed.message}`);
    const refusal = await checkDestination(parsed.hostname, options, signal);
    if (refusal !== null) return taskFailed(refusal);

    const response = await fetch(parsed.url, {
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
      redirect: "manual",
      signal,
    });
    const text = await readBody(response, signal);
    if (text === null) {
      return taskFailed(`response body is larger than ${maxHttpTaskResponseBytes} bytes`, {
        status: response.status,
      });
    }
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
  } catch (error) {
    if (signal.aborted) return taskFailed(`${handler.url} did not answer within ${handler.timeout_ms} ms`);
    return taskFailed(`${handler.url} could not be reached: ${describe(error)}`);
  }
}

/** Why the host may not be called, or null when every address it resolves to is allowed. */
async function checkDestination(
  hostname: string,
  options: HttpTaskOptions,
  signal: AbortSignal,
): Promise<string | null> {
  if (options.allowPrivate) return null;
  const literal = classifyIpAddress(hostname);
  if (literal !== null) return refusalFor(hostname, hostname, literal);
  if (isLocalHostname(hostname)) return refusalFor(hostname, hostname, "loopback");
  const resolve = options.resolveHost ?? defaultResolver;
  const addresses = await abortable(resolve(hostname), signal);
  if (addresses.length === 0) return `${hostname} does not resolve to any address`;
  for (const address of addresses) {
    const addressClass = classifyIpAddress(address) ?? "reserved";
    const refusal = refusalFor(hostname, address, addressClass);
    if (refusal !== null) return refusal;
  }
  return null;
}

function refusalFor(hostname: string, address: string, addressClass: AddressClass): string | null {
  if (isAllowedTaskAddress(addressClass, false)) return null;
  const where = hostname === address ? address : `${hostname} (${address})`;
  return (
    `refused to call ${where}: it is a ${addressClass.replace("_", "-")} address; ` +
    "http tasks may call only public addresses unless the workspace sets allowPrivateTaskUrls"
  );
}

/** The body as text, or null when it is larger than {@link maxHttpTaskResponseBytes}. */
async function readBody(response: Response, signal: AbortSignal): Promise<string | null> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await abortable(reader.read(), signal);
    if (done) break;
    size += value.byteLength;
    if (size > maxHttpTaskResponseBytes) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Rejects as soon as `signal` aborts, even if `promise` never settles (DNS has no timeout of its own). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
