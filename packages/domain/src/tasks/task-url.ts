/**
 * URLs of http tasks, and the addresses they may reach. A task may call only public addresses unless its
 * workspace allows private ones (`allowPrivateTaskUrls`): loopback, private networks (RFC 1918, CGNAT,
 * IPv6 unique local), link-local (including cloud metadata at 169.254.169.254), unspecified, multicast and
 * reserved ranges are all "not public".
 */

/** Kind of an IP address, as far as task calls care. */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link_local"
  | "unspecified"
  | "multicast"
  | "reserved";

/** Result of {@link parseTaskUrl}. */
export type TaskUrlParse = { ok: true; url: URL; hostname: string } | { ok: false; message: string };

/**
 * Checks the form of an http task's URL: absolute, `http` or `https`, a host, no credentials. Where it
 * points is checked when the task runs (see {@link classifyIpAddress}), since that depends on DNS and on
 * the workspace's settings.
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

/**
 * Whether a host name always means this machine (`localhost`, `*.localhost`, RFC 6761), whatever DNS says.
 *
 * @param hostname - Host name without brackets.
 */
export function isLocalHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/**
 * Classifies an IPv4 or IPv6 address. IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible and NAT64
 * (`64:ff9b::/96`) IPv6 addresses are classified by their IPv4 address.
 *
 * @param address - An address in textual form (IPv6 without brackets, an optional `%zone` is ignored).
 * @returns Its class, or `null` when `address` is not an IP address.
 */
export function classifyIpAddress(address: string): AddressClass | null {
  const v4 = parseIPv4(address);
  if (v4 !== null) return classifyIPv4(v4);
  const v6 = parseIPv6(address.replace(/%.*$/, ""));
  return v6 === null ? null : classifyIPv6(v6);
}

/**
 * Whether a task may connect to an address of this class.
 *
 * @param addressClass - From {@link classifyIpAddress}.
 * @param allowPrivate - The workspace's `allowPrivateTaskUrls` setting.
 */
export function isAllowedTaskAddress(addressClass: AddressClass, allowPrivate: boolean): boolean {
  return addressClass === "public" || allowPrivate;
}

/** IPv4 ranges that are not public, as [network address, prefix length, class]. */
const ipv4Ranges: [string, number, AddressClass][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "private"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link_local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

function classifyIPv4(address: number): AddressClass {
  for (const [base, prefix, addressClass] of ipv4Ranges) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    if ((address & mask) >>> 0 === ((parseIPv4(base) ?? 0) & mask) >>> 0) return addressClass;
  }
  return "public";
}

function classifyIPv6(groups: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const embeddedV4 = ((g6 << 16) | g7) >>> 0;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0) {
    if (g7 === 0) return "unspecified";
    if (g7 === 1) return "loopback";
  }
  // IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96 (deprecated), NAT64 64:ff9b::/96.
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) return classifyIPv4(embeddedV4);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyIPv4(embeddedV4);
  }
  if ((g0 & 0xfe00) === 0xfc00) return "private";
  if ((g0 & 0xffc0) === 0xfe80) return "link_local";
  if ((g0 & 0xffc0) === 0xfec0) return "private";
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  if (g0 === 0x2001 && g1 === 0x0db8) return "reserved";
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return "reserved";
  return "public";
}

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or null. */
function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** An IPv6 address as eight 16-bit groups, or null. Accepts `::` and a trailing dotted IPv4. */
function parseIPv6(text: string): number[] | null {
  if (!text.includes(":")) return null;
  let normalized = text;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseIPv4(tail);
    if (v4 === null) return null;
    normalized = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = normalized.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const groups: number[] = [];
    for (const group of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      groups.push(Number.parseInt(group, 16));
    }
    return groups;
  };
  const left = parse(halves[0] ?? "");
  const right = halves.length === 2 ? parse(halves[1] ?? "") : [];
  if (left === null || right === null) return null;
  if (halves.length === 1) return left.length === 8 ? left : null;
  const explicit = left.length + right.length;
  if (explicit > 7) return null;
  return [...left, ...new Array<number>(8 - explicit).fill(0), ...right];
}
