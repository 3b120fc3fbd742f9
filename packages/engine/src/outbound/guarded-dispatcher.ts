import { lookup as dnsLookup } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import type { Dispatcher } from "undici";
import { undici } from "../on-demand-modules.ts";
import { type AddressClass, classifyIpAddress, isAllowedAddress, isLocalHostname } from "./address-policy.ts";

/** Resolves a host name to its addresses (`node:dns` by default; tests substitute their own). */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** Which destinations a guarded dispatcher may connect to, and how it resolves names. */
export interface DestinationPolicy {
  /** Whether non-public addresses may be called (a workspace's `allowPrivateTaskUrls`). */
  allowPrivate: boolean;
  /** Resolver used for every connection (default: the system's, `dns.lookup` with every address). */
  resolveHost?: HostResolver | undefined;
}

/** Why a destination was refused: the host, the address it came to and the address's class. */
export class DestinationRefusedError extends Error {
  override readonly name = "DestinationRefusedError";
  readonly hostname: string;
  readonly address: string;
  readonly addressClass: AddressClass;

  constructor(hostname: string, address: string, addressClass: AddressClass) {
    const where = hostname === address ? address : `${hostname} (${address})`;
    super(`refused to call ${where}: it is a ${addressClass.replace("_", "-")} address`);
    this.hostname = hostname;
    this.address = address;
    this.addressClass = addressClass;
  }
}

/** A host name that resolved to no address at all. */
export class HostNotFoundError extends Error {
  override readonly name = "HostNotFoundError";
  readonly hostname: string;

  constructor(hostname: string) {
    super(`${hostname} does not resolve to any address`);
    this.hostname = hostname;
  }
}

const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Resolves `hostname` once and checks every address it resolves to; returns them all, in the resolver's
 * order. A name that always means this machine (`localhost`) is loopback whatever the resolver says.
 *
 * @throws DestinationRefusedError for the first address that is not allowed, HostNotFoundError when the
 *   name has no address.
 */
export async function resolveAllowedAddresses(
  hostname: string,
  policy: DestinationPolicy,
): Promise<string[]> {
  const literal = classifyIpAddress(hostname);
  if (literal !== null) {
    if (!isAllowedAddress(literal, policy.allowPrivate))
      throw new DestinationRefusedError(hostname, hostname, literal);
    return [hostname];
  }
  if (!policy.allowPrivate && isLocalHostname(hostname)) {
    throw new DestinationRefusedError(hostname, hostname, "loopback");
  }
  const addresses = await (policy.resolveHost ?? systemResolver)(hostname);
  if (addresses.length === 0) throw new HostNotFoundError(hostname);
  for (const address of addresses) {
    // An answer that is not an address at all is as suspicious as a reserved one.
    const addressClass = classifyIpAddress(address) ?? "reserved";
    if (!isAllowedAddress(addressClass, policy.allowPrivate)) {
      throw new DestinationRefusedError(hostname, address, addressClass);
    }
  }
  return addresses;
}

/**
 * A `lookup` for `net.connect` / `tls.connect` that resolves the name once, checks every address (see
 * {@link resolveAllowedAddresses}) and hands exactly those addresses to the socket. The connection is
 * therefore pinned to addresses that were checked: a DNS server that answers differently on a second query
 * (DNS rebinding) is never asked again for this connection.
 *
 * @param policy - Whether private addresses are allowed, and the resolver.
 */
export function guardedLookup(policy: DestinationPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveAllowedAddresses(hostname, policy).then(
      (addresses) => {
        const family = typeof options.family === "number" ? options.family : 0;
        const entries = addresses
          .map((address) => ({ address, family: isIP(address) }))
          .filter((entry) => family === 0 || entry.family === family);
        const first = entries[0];
        if (!first) {
          callback(new HostNotFoundError(hostname), "", 0);
        } else if (options.all) {
          (callback as unknown as (error: null, entries: { address: string; family: number }[]) => void)(
            null,
            entries,
          );
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, "", 0),
    );
  };
}

/** Tuning of a guarded dispatcher. */
export interface GuardedDispatcherOptions extends DestinationPolicy {
  /** Longest wait for a TCP/TLS connection, in ms (default 10 000). */
  connectTimeoutMs?: number;
}

/**
 * An undici dispatcher (connection pool) that connects only to allowed destinations: host names through
 * {@link guardedLookup} (resolved once, every address checked, connection pinned to them) and IP literals
 * (which `net.connect` would not look up) checked before connecting. Use it for every outbound HTTP call,
 * directly or through `outboundRequest`; pooled connections were all checked when they were opened.
 *
 * @param options - Destination policy and connect timeout.
 */
export function createGuardedDispatcher(options: GuardedDispatcherOptions): Dispatcher {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const { Agent, buildConnector } = undici();
  const connect = buildConnector({ lookup: guardedLookup(options), timeout: connectTimeoutMs });
  return new Agent({
    connect(connectOptions, callback) {
      const hostname = connectOptions.hostname.replace(/^\[(.*)\]$/, "$1");
      if (isIP(hostname) !== 0 || isLocalHostname(hostname)) {
        resolveAllowedAddresses(hostname, options).then(
          () => connect(connectOptions, callback),
          (error: Error) => callback(error, null),
        );
        return;
      }
      connect(connectOptions, callback);
    },
  });
}
