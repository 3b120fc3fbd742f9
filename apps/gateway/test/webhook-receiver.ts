import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One request a receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body. */
  payload: { id: string; type: string; data: Record<string, any>; [key: string]: unknown };
  receivedAt: number;
}

/** How a receiver answers one request: a status (default 200), after an optional delay; `hang` never answers. */
export type ReceiverAnswer = { status?: number; delayMs?: number; body?: string; hang?: boolean };

/** A real HTTP server on 127.0.0.1 that records what it receives. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The most requests it had open at once. */
  maxOpen: number;
  /** Decides each answer (default: 200 at once). */
  answer: (request: ReceivedWebhook, index: number) => ReceiverAnswer;
  close(): Promise<void>;
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startReceiver(
  answer: WebhookReceiver["answer"] = () => ({ status: 200 }),
): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: "",
    received: [],
    maxOpen: 0,
    answer,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  let open = 0;
  const server: Server = createServer((req, res) => {
    open++;
    receiver.maxOpen = Math.max(receiver.maxOpen, open);
    res.on("close", () => open--);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const request: ReceivedWebhook = {
        headers: req.headers,
        body,
        payload: JSON.parse(body),
        receivedAt: Date.now(),
      };
      const index = receiver.received.push(request) - 1;
      const { status = 200, delayMs = 0, body: text = "ok", hang = false } = receiver.answer(request, index);
      if (hang) return;
      const reply = () => {
        if (!res.destroyed) res.writeHead(status, { "content-type": "text/plain" }).end(text);
      };
      if (delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

/**
 * Verifies a received request with the `standardwebhooks` package, as an integrator would. Returns the
 * verified payload, or throws `WebhookVerificationError`.
 */
export function verify(secret: string, request: ReceivedWebhook): unknown {
  return new Webhook(secret).verify(request.body, {
    "webhook-id": String(request.headers["webhook-id"]),
    "webhook-timestamp": String(request.headers["webhook-timestamp"]),
    "webhook-signature": String(request.headers["webhook-signature"]),
  });
}

/** Whether {@link verify} accepts the request. */
export function verifies(secret: string, request: ReceivedWebhook): boolean {
  try {
    verify(secret, request);
    return true;
  } catch {
    return false;
  }
}
