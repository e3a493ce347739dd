import { describe, expect, it } from "vitest";
import { clientIp } from "@/lib/chat/limits";

const ipOf = (value?: string) => clientIp(new Request("http://localhost/", { headers: value ? { "cf-connecting-ip": value } : {} }));

describe("clientIp: what the per-IP limits count", () => {
  it("an IPv4 address as it is; none outside Cloudflare", () => {
    expect(ipOf("203.0.113.7")).toBe("203.0.113.7");
    expect(ipOf()).toBeNull();
  });

  it("every address of one IPv6 /64 as one client, however it is written", () => {
    const prefix = "2001:db8:a:b::/64";
    for (const address of ["2001:db8:a:b::1", "2001:0db8:000a:000b:ffff:1:2:3", "2001:DB8:A:B:0:0:0:9", "2001:db8:a:b::"]) {
      expect(ipOf(address), address).toBe(prefix);
    }
    expect(ipOf("2001:db8:a:c::1")).toBe("2001:db8:a:c::/64");
    expect(ipOf("::1")).toBe("0:0:0:0::/64");
    expect(ipOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipOf("::ffff:198.51.100.4")).toBe("198.51.100.4");
  });
});
