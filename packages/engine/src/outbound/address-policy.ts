import ipaddr from "ipaddr.js";

/**
 * Which addresses Flowgate's outbound calls may connect to. Only public unicast addresses, unless the
 * caller allows private ones (a workspace's `allowPrivateTaskUrls`, for development and tests). Everything
 * else is refused: loopback, private networks (RFC 1918, CGNAT, IPv6 unique local and site local),
 * link-local (including cloud metadata at 169.254.169.254), unspecified, broadcast, multicast, and reserved
 * or special-purpose ranges (documentation, benchmarking, AS112, AMT, ORCHID, discard, segment routing).
 *
 * IPv6 forms that carry an IPv4 address are judged by the IPv4 address they carry, so that an attacker
 * cannot reach 127.0.0.1 or 10.0.0.1 through a translator or tunnel: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-compatible (`::a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`, RFC 6145), NAT64 (`64:ff9b::/96`,
 * RFC 6052), 6to4 (`2002:AABB:CCDD::/48`, RFC 3056) and Teredo (`2001:0::/32`, RFC 4380: both the server
 * address and the obfuscated client address are checked). The local-use NAT64 prefix `64:ff9b:1::/48`
 * (RFC 8215) is private by definition.
 *
 * Classification uses ipaddr.js (its special-purpose ranges follow the IANA registries); the embedded-IPv4
 * rules above are ours, since ipaddr.js names those ranges but does not look inside them.
 */

/** Kind of an IP address, as far as outbound calls care. */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link_local"
  | "unspecified"
  | "multicast"
  | "reserved";

/**
 * Classifies an IPv4 (dotted quad) or IPv6 address; see the module comment for the rules.
 *
 * @param address - An address in textual form: IPv4 as four decimal parts (other forms such as `0x7f.1`
 *   are not addresses here: URLs normalize them, and resolvers never answer them), IPv6 without brackets
 *   (an optional `%zone` is ignored).
 * @returns Its class, or `null` when `address` is not an IP address.
 */
export function classifyIpAddress(address: string): AddressClass | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return classifyIPv4(ipaddr.IPv4.parse(address));
  const bare = address.replace(/%.*$/, "");
  if (!bare.includes(":") || !ipaddr.IPv6.isValid(bare)) return null;
  return classifyIPv6(ipaddr.IPv6.parse(bare));
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
 * Whether an outbound call may connect to an address of this class.
 *
 * @param addressClass - From {@link classifyIpAddress}.
 * @param allowPrivate - Whether non-public addresses are allowed (a workspace's `allowPrivateTaskUrls`).
 */
export function isAllowedAddress(addressClass: AddressClass, allowPrivate: boolean): boolean {
  return addressClass === "public" || allowPrivate;
}

function classifyIPv4(address: ipaddr.IPv4): AddressClass {
  const range = address.range();
  switch (range) {
    case "unicast":
      return "public";
    case "unspecified":
    case "loopback":
    case "multicast":
      return range;
    case "linkLocal":
      return "link_local";
    case "private":
    case "carrierGradeNat":
      return "private";
    default:
      // broadcast, reserved, benchmarking, as112, amt, and any range a later ipaddr.js adds.
      return "reserved";
  }
}

function classifyIPv6(address: ipaddr.IPv6): AddressClass {
  const parts = address.parts;
  const embedded = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const last32 = () => embedded(parts[6] ?? 0, parts[7] ?? 0);
  // IPv4-compatible ::a.b.c.d (deprecated, but still routed by some stacks); ipaddr.js calls it unicast.
  if (parts.slice(0, 6).every((part) => part === 0) && ((parts[6] ?? 0) !== 0 || (parts[7] ?? 0) > 1)) {
    return classifyIPv4(last32());
  }
  const range = address.range() as string;
  switch (range) {
    case "unicast":
      return "public";
    case "unspecified":
    case "loopback":
    case "multicast":
      return range;
    case "linkLocal":
      return "link_local";
    case "uniqueLocal":
    case "deprecatedSiteLocal":
      return "private";
    case "ipv4Mapped":
    case "rfc6145":
      return classifyIPv4(last32());
    case "rfc6052":
      // 64:ff9b::/96 carries the IPv4 address in its last 32 bits; 64:ff9b:1::/48 is for local use only.
      return parts[2] === 0 ? classifyIPv4(last32()) : "private";
    case "6to4":
      return classifyIPv4(embedded(parts[1] ?? 0, parts[2] ?? 0));
    case "teredo": {
      const server = classifyIPv4(embedded(parts[2] ?? 0, parts[3] ?? 0));
      if (server !== "public") return server;
      return classifyIPv4(embedded(~(parts[6] ?? 0) & 0xffff, ~(parts[7] ?? 0) & 0xffff));
    }
    default:
      // reserved (documentation), discard, benchmarking, amt, as112v6, orchid, segment routing, …
      return "reserved";
  }
}
