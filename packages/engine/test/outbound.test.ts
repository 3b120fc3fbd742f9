import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  classifyIpAddress,
  isAllowedAddress,
  isLocalHostname,
  OutboundError,
  outboundRequest,
} from "../src/outbound/index.ts";

let server: Server;
let port: number;
let hits = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    hits++;
    if (request.url === "/big") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("x".repeat(2048));
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ method: request.method, host: request.headers.host }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Calls `url` and returns the OutboundError it fails with. */
async function failure(call: Parameters<typeof outboundRequest>[0]): Promise<OutboundError> {
  try {
    await outboundRequest(call);
  } catch (error) {
    if (error instanceof OutboundError) return error;
    throw error;
  }
  throw new Error(`${String(call.url)} was called`);
}

describe("classifyIpAddress", () => {
  it.each([
    ["8.8.8.8", "public"],
    ["93.184.216.34", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.1", "public"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["169.254.169.254", "link_local"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "reserved"],
    ["192.0.2.10", "reserved"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:8.8.8.8", "public"],
    ["64:ff9b::a9fe:a9fe", "link_local"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fe80::1%eth0", "link_local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"],
    ["2606:4700:4700::1111", "public"],
    ["2001:4860:4860:0:0:0:0:8888", "public"],
  ] as const)("%s is %s", (address, expected) => {
    expect(classifyIpAddress(address)).toBe(expected);
  });

  it("is null for host names and malformed addresses", () => {
    for (const text of ["example.com", "1.2.3", "1.2.3.256", "01.2.3.4", "1::2::3", "12345::", ":::"]) {
      expect(classifyIpAddress(text), text).toBeNull();
    }
  });

  it("allows only public addresses unless private ones are allowed", () => {
    expect(isAllowedAddress("public", false)).toBe(true);
    expect(isAllowedAddress("loopback", false)).toBe(false);
    expect(isAllowedAddress("link_local", false)).toBe(false);
    expect(isAllowedAddress("loopback", true)).toBe(true);
  });

  it("treats localhost names as this machine", () => {
    expect(isLocalHostname("localhost")).toBe(true);
    expect(isLocalHostname("LOCALHOST.")).toBe(true);
    expect(isLocalHostname("api.localhost")).toBe(true);
    expect(isLocalHostname("localhost.example.com")).toBe(false);
  });
});
describe("IPv6 forms that carry an IPv4 address", () => {
  it.each([
    // IPv4-mapped and IPv4-compatible
    ["::ffff:169.254.169.254", "link_local"],
    ["::ffff:a9fe:a9fe", "link_local"],
    ["::127.0.0.1", "loopback"],
    ["::10.1.2.3", "private"],
    // IPv4-translated (RFC 6145)
    ["::ffff:0:7f00:1", "loopback"],
    ["::ffff:0:808:808", "public"],
    // NAT64 (RFC 6052), and the local-use prefix of RFC 8215
    ["64:ff9b::127.0.0.1", "loopback"],
    ["64:ff9b::a00:1", "private"],
    ["64:ff9b::808:808", "public"],
    ["64:ff9b:1::808:808", "private"],
    // 6to4 (RFC 3056): 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
    ["2002:7f00:1::1", "loopback"],
    ["2002:c0a8:101::1", "private"],
    ["2002:a9fe:a9fe::", "link_local"],
    ["2002:808:808::1", "public"],
    // Teredo (RFC 4380): server in bits 32–63, client XOR 0xffffffff in the last 32 bits
    ["2001:0:a00:1::", "private"],
    ["2001:0:808:808:0:0:80ff:fffe", "loopback"],
    ["2001:0:808:808:0:0:f5f7:f7f7", "private"],
    ["2001:0:808:808:0:0:f7f7:f7f7", "public"],
  ] as const)("%s is %s", (address, expected) => {
    expect(classifyIpAddress(address)).toBe(expected);
  });
});

describe("outboundRequest", () => {
  it("refuses every IPv6 form embedding a private IPv4 address, as a literal and as a resolved address", async () => {
    const before = hits;
    for (const address of [
      "::ffff:127.0.0.1",
      "::127.0.0.1",
      "::ffff:0:7f00:1",
      "64:ff9b::7f00:1",
      "2002:7f00:1::1",
      "2001:0:808:808:0:0:80ff:fffe",
      "2001:0:a00:1::",
    ]) {
      const literal = await failure({
        url: `http://[${address}]:${port}/`,
        timeoutMs: 2000,
        allowPrivate: false,
      });
      expect(literal.kind, address).toBe("refused");
      expect(literal.message, address).toMatch(/^refused to call .*: it is a (loopback|private) address$/);
      const resolved = await failure({
        url: `http://embedded.example:${port}/`,
        timeoutMs: 2000,
        allowPrivate: false,
        resolveHost: async () => [address],
      });
      expect(resolved.kind, address).toBe("refused");
      expect(resolved.message).toContain(`refused to call embedded.example (${address})`);
    }
    expect(hits).toBe(before);
  });

  it("checks every resolved address: a public answer followed by 127.0.0.1 is refused", async () => {
    const before = hits;
    const refused = await failure({
      url: `http://rebind.example:${port}/`,
      timeoutMs: 2000,
      allowPrivate: false,
      resolveHost: async () => ["93.184.216.34", "127.0.0.1"],
    });
    expect(refused).toMatchObject({
      kind: "refused",
      message: "refused to call rebind.example (127.0.0.1): it is a loopback address",
    });
    expect(hits).toBe(before);
  });

  it("pins the connection to the checked answer: a resolver that rebinds to 127.0.0.1 later is never asked again", async () => {
    const before = hits;
    const answers: string[][] = [];
    // DNS rebinding: the first answer is public, every later one points at this machine. A client that
    // checked one answer and connected with another would reach the local server.
    const resolveHost = async () => {
      const answer = answers.length === 0 ? ["93.184.216.34"] : ["127.0.0.1"];
      answers.push(answer);
      return answer;
    };
    // The connection goes to the public address; whether anything answers there depends on the network
    // this test runs in, so only where the request did NOT go is asserted.
    await outboundRequest({
      url: `http://rebind.example:${port}/`,
      timeoutMs: 1000,
      allowPrivate: false,
      resolveHost,
    }).catch((error: unknown) => {
      expect(error).toBeInstanceOf(OutboundError);
      expect((error as OutboundError).kind).not.toBe("refused");
    });
    expect(answers).toEqual([["93.184.216.34"]]);
    expect(hits).toBe(before);
  });

  it("refuses localhost names and names without addresses before connecting", async () => {
    expect(
      await failure({ url: `http://api.localhost:${port}/`, timeoutMs: 2000, allowPrivate: false }),
    ).toMatchObject({ kind: "refused", message: "refused to call api.localhost: it is a loopback address" });
    expect(
      await failure({
        url: "http://nowhere.example/",
        timeoutMs: 2000,
        allowPrivate: false,
        resolveHost: async () => [],
      }),
    ).toMatchObject({ kind: "not_found", message: "nowhere.example does not resolve to any address" });
    expect(await failure({ url: "ftp://example.com/", timeoutMs: 2000, allowPrivate: false })).toMatchObject({
      kind: "invalid_url",
    });
  });

  it("calls private addresses when allowed, through the pinned resolver too, and caps the body", async () => {
    const direct = await outboundRequest({
      url: `http://127.0.0.1:${port}/`,
      timeoutMs: 2000,
      allowPrivate: true,
    });
    expect(direct.status).toBe(200);
    expect(JSON.parse(direct.body)).toEqual({ method: "GET", host: `127.0.0.1:${port}` });

    const named = await outboundRequest({
      url: `http://service.test:${port}/`,
      method: "POST",
      body: "{}",
      timeoutMs: 2000,
      allowPrivate: true,
      resolveHost: async () => ["127.0.0.1"],
    });
    expect(JSON.parse(named.body)).toEqual({ method: "POST", host: `service.test:${port}` });

    expect(
      await failure({
        url: `http://127.0.0.1:${port}/big`,
        timeoutMs: 2000,
        allowPrivate: true,
        maxResponseBytes: 1024,
      }),
    ).toMatchObject({ kind: "too_large", status: 200, message: "response body is larger than 1024 bytes" });
  });

  it("bounds a resolver that never answers by the timeout", async () => {
    const slow = await failure({
      url: "http://slow-dns.example/",
      timeoutMs: 100,
      allowPrivate: false,
      resolveHost: () => new Promise(() => {}),
    });
    expect(slow).toMatchObject({
      kind: "timeout",
      message: "http://slow-dns.example/ did not answer within 100 ms",
    });
  });
});
