// Who is calling, for rate limits and logs. The socket's peer address is the
// truth unless that peer is a proxy we were told to trust: only then is
// X-Forwarded-For read, from the right (the hop our proxy added) leftwards,
// skipping further trusted proxies. A client that sends its own
// X-Forwarded-For straight to us changes nothing.
import { BlockList, isIP } from "node:net";

export interface TrustedProxy {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

/** `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32` or `::1`; undefined when it is none of those. */
export function parseTrustedProxy(entry: string): TrustedProxy | undefined {
  const [raw, prefixText, ...rest] = entry.trim().split("/");
  if (raw === undefined || rest.length > 0) return undefined;
  const address = unmapIPv4(raw);
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return undefined;
  return { address, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/** Resolves the client address of a request from its socket peer and X-Forwarded-For header. */
export type ClientAddressResolver = (peer: string, forwardedFor: string | string[] | undefined) => string;

export function createClientAddressResolver(trustedProxies: readonly string[]): ClientAddressResolver {
  if (trustedProxies.length === 0) return (peer) => unmapIPv4(peer);
  const trusted = new BlockList();
  for (const entry of trustedProxies) {
    const proxy = parseTrustedProxy(entry);
    if (proxy === undefined) throw new Error(`not an IP address or CIDR range: ${entry}`);
    trusted.addSubnet(proxy.address, proxy.prefix, proxy.family);
  }
  const isTrusted = (address: string) => {
    const version = isIP(address);
    return version !== 0 && trusted.check(address, version === 4 ? "ipv4" : "ipv6");
  };
  return (peer, forwardedFor) => {
    let client = unmapIPv4(peer);
    if (!isTrusted(client) || forwardedFor === undefined) return client;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unmapIPv4(stripPort(hops[i]!.trim()));
      // Garbage means the chain can no longer be followed: keep the last hop we could.
      if (isIP(hop) === 0) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}

/**
 * The key a per-address limit counts under. IPv6 clients usually hold a
 * whole /64, so they are counted per /64; anything else would give one
 * client 2^64 fresh addresses.
 */
export function addressKey(address: string): string {
  const plain = unmapIPv4(address);
  if (isIP(plain) !== 6) return plain;
  return `${expandIPv6(plain).slice(0, 4).join(":")}::/64`;
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is `192.0.2.1`. */
function unmapIPv4(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}

/** X-Forwarded-For entries may carry a port: `192.0.2.1:4711`, `[2001:db8::1]:4711`. */
function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(hop);
  return v4?.[1] ?? hop;
}

/** The eight 16-bit groups of an IPv6 address, lower-case, without leading zeros. */
function expandIPv6(address: string): string[] {
  const withoutZone = address.split("%", 1)[0]!.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4 style) is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(withoutZone);
  const text = v4
    ? withoutZone.slice(0, v4.index) +
      [((+v4[1]! << 8) | +v4[2]!).toString(16), ((+v4[3]! << 8) | +v4[4]!).toString(16)].join(":")
    : withoutZone;
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((group) => Number.parseInt(group, 16).toString(16));
}
