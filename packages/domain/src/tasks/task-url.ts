/**
 * URLs of http tasks. Only their form is checked here (when a graph is validated); where they may connect
 * is decided when the task runs, by the engine's outbound guard (`@flowgate/engine`, `outbound/`), since
 * that depends on DNS and on the workspace's `allowPrivateTaskUrls`.
 */

/** Result of {@link parseTaskUrl}. */
export type TaskUrlParse = { ok: true; url: URL; hostname: string } | { ok: false; message: string };

/**
 * Checks the form of an http task's URL: absolute, `http` or `https`, a host, no credentials. Where it
 * points is checked when the task runs, by the engine's outbound guard.
 *
 * @param text - The URL as written.
 * @returns The parsed URL and its host name (IPv6 literals without brackets), or a message that reads
 *   well after "url".
 */
export function parseTaskUrl(text: string): TaskUrlParse {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: "must be an absolute http or https URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, message: `must use http or https, not ${url.protocol.replace(/:$/, "")}` };
  }
  if (url.username !== "" || url.password !== "") {
    return { ok: false, message: "must not contain credentials" };
  }
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (hostname === "") return { ok: false, message: "must have a host" };
  return { ok: true, url, hostname };
}
