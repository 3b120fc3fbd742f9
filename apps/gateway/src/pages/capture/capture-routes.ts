import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type Application,
  findDatabaseUnavailableError,
  maxCaptureUploadBytes,
  openCapture,
  simulateCaptureOutcome,
  submitCapture,
  uploadCaptureDocument,
} from "@flowgate/application";
import {
  ConflictError,
  isFlowgateError,
  SandboxOnlyError,
  ValidationError,
  VerificationLinkRefusedError,
} from "@flowgate/domain";
import { htmlHeaders, pageCsp } from "../security-headers.ts";
import { captureScript, captureStyles } from "./capture-assets.ts";
import { renderCapturePage, renderRefusedPage } from "./capture-page.ts";

/** Where the capture page lives: `/verify/<token>` (and its calls under it); assets under `/verify/_/`. */
export const capturePrefix = "/verify/";

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer) {
  res.writeHead(status, { ...headers, "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown) {
  send(
    res,
    status,
    {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    },
    JSON.stringify(body),
  );
}

/** HTTP status and JSON body of a failure; unexpected errors are masked. */
function failure(error: unknown): { status: number; body: unknown } {
  if (error instanceof VerificationLinkRefusedError) {
    return {
      status: error.reason === "invalid" ? 404 : 410,
      body: { error: { code: error.code, reason: error.reason, message: error.message } },
    };
  }
  if (error instanceof ValidationError) {
    return {
      status: 422,
      body: { error: { code: error.code, message: error.message, issues: error.issues } },
    };
  }
  if (error instanceof ConflictError) {
    return {
      status: 409,
      body: { error: { code: error.code, message: error.message, currentStatus: error.currentStatus } },
    };
  }
  if (error instanceof SandboxOnlyError) {
    return { status: 403, body: { error: { code: error.code, message: error.message } } };
  }
  if (findDatabaseUnavailableError(error)) {
    return {
      status: 503,
      body: { error: { code: "DATABASE_UNAVAILABLE", message: "Try again in a moment." } },
    };
  }
  if (isFlowgateError(error))
    return { status: 400, body: { error: { code: error.code, message: error.message } } };
  return { status: 500, body: { error: { code: "INTERNAL", message: "Unexpected error" } } };
}

/** Reads a request body up to `limit` bytes; resolves `null` when it is larger (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The capture page's routes. */
export interface CaptureRoutes {
  /** Answers the request when it is under `/verify/` and returns true; otherwise returns false. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * The capture page for the person being verified, authorized by a one-time link's token alone:
 *
 * - `GET /verify/<token>`: the page (server-rendered; its script and styles from `/verify/_/`);
 * - `GET /verify/<token>/state`: what the page shows, as JSON;
 * - `POST /verify/<token>/documents?step=<node>&name=<file name>`: the file as the raw body (≤ 10 MB);
 * - `POST /verify/<token>/submit`: submits (uses the link once);
 * - `POST /verify/<token>/simulate` (sandbox): `{"step": "<node>", "outcome": "pass"|"fail"|"error"}`.
 *
 * A refused token gets 404 (unknown) or 410 (used, expired, revoked); invalid input 422; a session in the
 * wrong state 409. Nothing here accepts an API key.
 */
export function createCaptureRoutes(app: Application): CaptureRoutes {
  const run = (res: ServerResponse, work: () => Promise<unknown>, status = 200) => {
    work().then(
      (body) => json(res, status, body),
      (error) => {
        const { status: code, body } = failure(error);
        json(res, code, body);
      },
    );
  };
  return {
    handle(req, res) {
      const url = new URL(req.url ?? "/", "http://gateway");
      if (!url.pathname.startsWith(capturePrefix)) return false;
      const [token = "", action = "", extra] = url.pathname.slice(capturePrefix.length).split("/");
      if (token === "_" && req.method === "GET") {
        if (action === "capture.js" && !extra) {
          send(
            res,
            200,
            { "content-type": "text/javascript; charset=utf-8", "cache-control": "no-cache" },
            captureScript,
          );
        } else if (action === "capture.css" && !extra) {
          send(
            res,
            200,
            { "content-type": "text/css; charset=utf-8", "cache-control": "no-cache" },
            captureStyles,
          );
        } else {
          send(res, 404, { "content-type": "text/plain" }, "Not found\n");
        }
        return true;
      }
      const pageToken = decodeURIComponent(token);
      if (extra !== undefined) {
        json(res, 404, { error: { code: "NOT_FOUND", message: "Not found" } });
        return true;
      }
      if (req.method === "GET" && action === "") {
        openCapture(app, pageToken).then(
          (view) =>
            send(res, 200, { ...htmlHeaders(pageCsp), "cache-control": "no-store" }, renderCapturePage(view)),
          (error) => {
            const { status, body } = failure(error);
            const message = (body as { error: { message: string } }).error.message;
            send(
              res,
              status,
              { ...htmlHeaders(pageCsp), "cache-control": "no-store" },
              renderRefusedPage(message),
            );
          },
        );
        return true;
      }
      if (req.method === "GET" && action === "state") {
        run(res, () => openCapture(app, pageToken));
        return true;
      }
      if (req.method === "POST" && action === "documents") {
        run(
          res,
          async () => {
            const bytes = await readBody(req, maxCaptureUploadBytes);
            if (bytes === null)
              throw new ValidationError("File too large", [{ path: ["file"], message: "at most 10 MB" }]);
            return uploadCaptureDocument(app, pageToken, {
              step: url.searchParams.get("step") ?? "",
              fileName: url.searchParams.get("name"),
              bytes,
            });
          },
          201,
        );
        return true;
      }
      if (req.method === "POST" && action === "submit") {
        run(res, () => submitCapture(app, pageToken));
        return true;
      }
      if (req.method === "POST" && action === "simulate") {
        run(res, async () => {
          const body = await readBody(req, 10_000);
          let parsed: { step?: unknown; outcome?: unknown } = {};
          try {
            parsed = JSON.parse(body?.toString("utf8") ?? "{}");
          } catch {
            throw new ValidationError("Invalid JSON", [{ path: [], message: "the body is not JSON" }]);
          }
          const outcome = parsed.outcome;
          if (outcome !== "pass" && outcome !== "fail" && outcome !== "error") {
            throw new ValidationError("Invalid outcome", [
              { path: ["outcome"], message: "pass, fail or error" },
            ]);
          }
          return simulateCaptureOutcome(app, pageToken, { step: String(parsed.step ?? ""), outcome });
        });
        return true;
      }
      json(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "Not allowed" } });
      return true;
    },
  };
}
