import { describe, expect, it } from "vitest";
import { parseTaskUrl } from "../src/index.ts";

describe("parseTaskUrl", () => {
  it("accepts absolute http and https URLs and returns the bare host name", () => {
    const https = parseTaskUrl("https://api.example.com/v1/tasks?x=1");
    expect(https.ok && https.hostname).toBe("api.example.com");
    const v6 = parseTaskUrl("http://[::1]:8080/hook");
    expect(v6.ok && v6.hostname).toBe("::1");
    // The WHATWG parser normalizes numeric IPv4 forms, so they are classified like dotted quads.
    const decimal = parseTaskUrl("http://2130706433/");
    expect(decimal.ok && decimal.hostname).toBe("127.0.0.1");
    const hex = parseTaskUrl("http://0x7f.1/");
    expect(hex.ok && hex.hostname).toBe("127.0.0.1");
  });

  it("refuses relative URLs, other schemes and credentials", () => {
    expect(parseTaskUrl("/relative")).toEqual({
      ok: false,
      message: "must be an absolute http or https URL",
    });
    expect(parseTaskUrl("ftp://example.com/x")).toEqual({
      ok: false,
      message: "must use http or https, not ftp",
    });
    expect(parseTaskUrl("file:///etc/passwd")).toMatchObject({ ok: false });
    expect(parseTaskUrl("https://user:pw@example.com/")).toEqual({
      ok: false,
      message: "must not contain credentials",
    });
  });
});
