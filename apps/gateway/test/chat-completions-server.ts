import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local server that speaks the OpenAI chat-completions wire format: it answers each POST with the next
 * scripted reply (`content` is the assistant message; `status` an HTTP error instead) and records requests.
 * A reply with a `gate` is held until the gate resolves (an in-flight provider call).
 */
export async function startChatServer() {
  const requests: { headers: IncomingHttpHeaders; body: any }[] = [];
  const replies: (({ content: string } | { status: number } | { raw: string }) & {
    gate?: Promise<void>;
  })[] = [];
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
    const reply = replies.shift() ?? { status: 500 };
    if (reply.gate) await reply.gate;
    if ("status" in reply) {
      response.writeHead(reply.status, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "scripted failure" } }));
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    if ("raw" in reply) {
      response.end(reply.raw);
      return;
    }
    response.end(
      JSON.stringify({
        id: "chatcmpl-test",
        object: "chat.completion",
        model: requests.at(-1)!.body.model,
        choices: [
          { index: 0, finish_reason: "stop", message: { role: "assistant", content: reply.content } },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`,
    requests,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
