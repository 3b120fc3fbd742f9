import WebSocket from "ws";
import { RUN_PROGRESS } from "./flowgate.ts";
import type { ProgressEvent, RunSubscription } from "./subscriptions.ts";

/** The graphql-ws protocol's messages this client sends or reads. */
type ServerMessage =
  | { type: "connection_ack" | "pong" }
  | { type: "ping" }
  | { type: "next"; id: string; payload: { data?: { runProgress: ProgressEvent }; errors?: unknown[] } }
  | { type: "error"; id: string; payload: unknown[] }
  | { type: "complete"; id: string };

/**
 * One `runProgress(runId, afterSeq)` subscription on a WebSocket of its own, speaking the graphql-ws
 * protocol (`graphql-transport-ws`: `connection_init` → `connection_ack` → `subscribe` → `next`… →
 * `complete`) straight over `ws`, without the graphql-ws client. The fan-out benchmark opens thousands of
 * these from one process, where the full client (its lazy/retry state machine, timers and per-message
 * validation) cost about as much CPU per subscription as the gateway serving it; the wire protocol and
 * what the server does are the same. The socket is closed when the stream ends.
 *
 * @param graphqlUrl - The gateway's GraphQL URL (`http://…/graphql`).
 * @param apiKey - Sent as `X-API-Key` in the connection params.
 * @param onEvent - Called with every event, in the order received.
 */
export function subscribeRunOverWebSocket(
  graphqlUrl: string,
  apiKey: string,
  runId: string,
  afterSeq: number,
  onEvent: (event: ProgressEvent) => void,
): RunSubscription {
  const socket = new WebSocket(graphqlUrl.replace(/^http/, "ws"), "graphql-transport-ws", {
    perMessageDeflate: false,
  });
  let settle!: (outcome: { completed: boolean; error?: unknown }) => void;
  let settled = false;
  const done = new Promise<{ completed: boolean; error?: unknown }>((resolve) => {
    settle = (outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
      else if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    };
  });
  socket.on("open", () =>
    socket.send(JSON.stringify({ type: "connection_init", payload: { "X-API-Key": apiKey } })),
  );
  socket.on("message", (raw) => {
    const message = JSON.parse(raw.toString()) as ServerMessage;
    switch (message.type) {
      case "connection_ack":
        socket.send(
          JSON.stringify({
            id: "1",
            type: "subscribe",
            payload: { query: RUN_PROGRESS, variables: { runId, afterSeq } },
          }),
        );
        return;
      case "ping":
        socket.send('{"type":"pong"}');
        return;
      case "pong":
        return;
      case "next":
        if (message.payload.errors?.length) settle({ completed: false, error: message.payload.errors });
        else if (message.payload.data) onEvent(message.payload.data.runProgress);
        return;
      case "error":
        settle({ completed: false, error: message.payload });
        return;
      case "complete":
        settle({ completed: true });
        return;
    }
  });
  socket.on("error", (error) => settle({ completed: false, error: error.message }));
  socket.on("close", (code, reason) =>
    settle({ completed: false, error: `socket closed (${code} ${reason.toString()})` }),
  );
  return { done, dispose: () => settle({ completed: false, error: "disposed" }) };
}
