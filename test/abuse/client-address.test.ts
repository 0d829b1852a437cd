import { describe, expect, it } from "vitest";
import { addressKey, createClientAddressResolver, parseTrustedProxy } from "../../src/abuse/client-address.js";

describe("the client address", () => {
  it("is the socket peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    const resolve = createClientAddressResolver([]);
    expect(resolve("203.0.113.9", "198.51.100.1")).toBe("203.0.113.9");
    expect(resolve("::ffff:203.0.113.9", undefined)).toBe("203.0.113.9");
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    const resolve = createClientAddressResolver(["10.0.0.0/8"]);
    expect(resolve("203.0.113.9", "198.51.100.1")).toBe("203.0.113.9");
  });

  it("takes the first untrusted hop from the right when the peer is a trusted proxy", () => {
    const resolve = createClientAddressResolver(["10.0.0.0/8", "2001:db8::/32"]);
    // The client may put anything on the left; only what our proxies appended counts.
    expect(resolve("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.1")).toBe("198.51.100.7");
    expect(resolve("10.0.0.2", ["1.2.3.4", "198.51.100.7"])).toBe("198.51.100.7");
    expect(resolve("2001:db8::1", "[2001:db8:1::5]:4711, 198.51.100.7:80")).toBe("198.51.100.7");
    expect(resolve("10.0.0.2", undefined)).toBe("10.0.0.2");
  });

  it("stops at a hop that is not an address, keeping the last one it could verify", () => {
    const resolve = createClientAddressResolver(["10.0.0.0/8"]);
    expect(resolve("10.0.0.2", "198.51.100.7, not-an-ip")).toBe("10.0.0.2");
    expect(resolve("10.0.0.2", "not-an-ip, 10.0.0.1")).toBe("10.0.0.1");
  });

  it("counts IPv6 clients per /64 and IPv4-mapped ones as IPv4", () => {
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:DB8:1:2::99")).toBe("2001:db8:1:2::/64");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(addressKey("192.0.2.1")).toBe("192.0.2.1");
  });

  it("accepts addresses and CIDR ranges as trusted proxies, nothing else", () => {
    expect(parseTrustedProxy("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseTrustedProxy("::1")).toEqual({ address: "::1", prefix: 128, family: "ipv6" });
    for (const bad of ["10.0.0.0/33", "proxy.example", "10.0.0.0/8/1", "1.2.3.4/x", ""]) {
      expect(parseTrustedProxy(bad), bad).toBeUndefined();
    }
  });
});
