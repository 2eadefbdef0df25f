/** The peer tools in a runtime's tool policy and OpenClaw's tool lists (src/session/peer-tools.ts). */
import { describe, expect, it } from "vitest";
import { isPeerTool, withPeerTools } from "../../src/session/peer-tools";
import { gatewayToolPolicy, openclawToolsConfig } from "../../src/session/tool-policy";

describe("peer tools", () => {
  it("are the only tools offered to an agent with no other tool, and allowed by the policy", () => {
    const policy = withPeerTools(gatewayToolPolicy([]));
    expect(policy.tools).toMatchObject({ peer_send: "allow", peer_list: "allow" });
    const config = openclawToolsConfig(policy);
    expect(config.allow).toEqual(["peer_list", "peer_send"]);
    expect(config.deny).not.toContain("peer_send");
    expect(openclawToolsConfig(gatewayToolPolicy([]))).toEqual({ deny: ["*"] });
  });

  it("are recognised by name, and nothing else is", () => {
    expect(isPeerTool("peer_send")).toBe(true);
    expect(isPeerTool("peer_list")).toBe(true);
    expect(isPeerTool("read")).toBe(false);
  });
});
