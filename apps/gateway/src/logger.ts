import pino, { type DestinationStream, type Logger } from "pino";
import { requestLogFields } from "./observability/request-context.ts";

/** Blanks the password of URLs in a text (`postgres://user:secret@host` → `postgres://user:***@host`). */
export function redactUrls(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@\s/]*@/gi, "$1:***@");
}

/**
 * Secrets Flowgate issues, as they appear in text: API keys (`fg_live_…`, `fg_sandbox_…`), magic-link
 * tokens (`fgl_…`), one-time verification link tokens (`fgv_…`, also in `/verify/<token>` paths) and
 * webhook secrets (`whsec_…`, base64). Their prefix is kept, the rest never reaches a log.
 */
const issuedSecret = /(fg_live_|fg_sandbox_|fgl_|fgv_)[A-Za-z0-9_-]+|(whsec_)[A-Za-z0-9+/=]+/g;

/** Masks every issued secret in a text (`fgl_AbC…` → `fgl_[redacted]`), e.g. a whole serialized log line. */
export function redactSecrets(text: string): string {
  return text.replace(issuedSecret, (_secret, prefix?: string, webhookPrefix?: string) => {
    return `${prefix ?? webhookPrefix}[redacted]`;
  });
}

/** What a logged error shows: no attached objects, no URL passwords. */
export interface SafeError {
  type: string;
  message: string;
  code?: string;
  reason?: string;
  stack?: string;
  cause?: SafeError;
}

/**
 * Serializes an error for the log with only its type, message, code and stack (and its cause's, a few
 * levels deep), passwords in URLs blanked. Drivers attach objects to errors (`pg` puts the client, with
 * its connection settings, on pool errors), so whole error objects are never logged.
 */
export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error, message: redactUrls(String(error)) };
  const { code, reason } = error as { code?: unknown; reason?: unknown };
  return {
    type: error.name,
    message: redactUrls(error.message),
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof reason === "string" ? { reason } : {}),
    ...(error.stack ? { stack: redactUrls(error.stack) } : {}),
    ...(error.cause !== undefined && depth < 3 ? { cause: safeError(error.cause, depth + 1) } : {}),
  };
}

/**
 * Fields blanked wherever they appear at the top of a line or one level down: keys, tokens, secrets,
 * passwords, authorization headers, GraphQL variables and bodies, and graphql-ws connection parameters.
 * Flowgate's own lines never log them; this is the net for a line that would by mistake, before
 * {@link redactSecrets} masks whatever else slipped into a line as text.
 */
export const redactedPaths = [
  ...[
    "apiKey",
    "key",
    "token",
    "secret",
    "password",
    "authorization",
    "cookie",
    "variables",
    "body",
    "connectionParams",
  ].flatMap((field) => [field, `*.${field}`]),
  '*["x-api-key"]',
  '*["x-link-token"]',
  "headers",
  "*.headers",
  'req.headers["x-api-key"]',
  "req.headers.authorization",
  "req.headers.cookie",
];

/**
 * The process's logger: JSON lines (on stdout, or on `destination`), errors serialized by {@link safeError},
 * {@link redactedPaths} blanked, every line written while an HTTP request is served tagged with its
 * `requestId`, and every line passed through {@link redactSecrets} and URL password blanking last, so that
 * no issued secret is written at any level.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name: "flowgate",
      level,
      serializers: { err: safeError, error: safeError },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      mixin: requestLogFields,
      hooks: { streamWrite: (line) => redactUrls(redactSecrets(line)) },
    },
    destination,
  );
}
