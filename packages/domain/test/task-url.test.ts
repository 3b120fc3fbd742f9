import { describe, expect, it } from "vitest";
import { classifyIpAddress, isAllowedTaskAddress, isLocalHostname, parseTaskUrl } from "../src/index.ts";

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
    expect(isAllowedTaskAddress("public", false)).toBe(true);
    expect(isAllowedTaskAddress("loopback", false)).toBe(false);
    expect(isAllowedTaskAddress("link_local", false)).toBe(false);
    expect(isAllowedTaskAddress("loopback", true)).toBe(true);
  });

  it("treats localhost names as this machine", () => {
    expect(isLocalHostname("localhost")).toBe(true);
    expect(isLocalHostname("LOCALHOST.")).toBe(true);
    expect(isLocalHostname("api.localhost")).toBe(true);
    expect(isLocalHostname("localhost.example.com")).toBe(false);
  });
});
