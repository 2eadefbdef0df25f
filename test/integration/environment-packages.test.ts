/**
 * Environment packages at the API: each manager's specs are checked against that manager's own
 * pin syntax when the environment is saved (a 400 at the spec's path, nothing stored), accepted
 * specs are kept exactly as given, and the install progress events are in the documented event
 * catalog. The install itself runs in a real runtime: test/runtime/environment-packages.test.ts.
 */
import { describe, expect, it } from "vitest";
import { callJson } from "../helpers/api";

const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID()}`;

async function environmentNames(): Promise<string[]> {
  const { body } = await callJson("/v1/environments?limit=100");
  return body.data.map((e: { name: string }) => e.name);
}

const VALID = {
  apt: ["jq", "jq=1.6-2.1", "libssl3"],
  cargo: ["ripgrep", "ripgrep@14.1.0", "cargo-edit@^0.12"],
  gem: ["rake", "rake:13.2.1"],
  go: ["golang.org/x/tools/cmd/goimports@v0.24.0", "github.com/google/yamlfmt/cmd/yamlfmt"],
  npm: ["is-number", "is-number@7.0.0", "@types/node@^22", "lodash@latest", "typescript@>=5"],
  pip: ["requests", "requests==2.32.3", "numpy>=1.26,<2", "uvicorn[standard]~=0.30", "Django!=4.0"],
};

describe("environment packages: pins per manager", () => {
  it("accepts each manager's names and version pins, and returns them exactly as given", async () => {
    const res = await callJson("/v1/environments", {
      body: { name: uniqueName("pkgs"), config: { type: "cloud", packages: VALID } },
    });
    expect(res.status).toBe(200);
    expect(res.body.config.packages).toEqual({ type: "packages", ...VALID });
  });

  it("refuses a spec that is not its manager's syntax with 400 at its path, saying what is expected; nothing stored", async () => {
    const name = uniqueName("bad-pkgs");
    const res = await callJson("/v1/environments", {
      body: {
        name,
        config: {
          type: "cloud",
          packages: {
            npm: ["is-number@7.0.0", "is number"],
            pip: ["requests=2.32.3"],
            apt: ["jq@1.6"],
            cargo: ["ripgrep==14"],
            gem: ["rake@13"],
            go: ["goimports"],
          },
        },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe("invalid_request_error");
    const fields = res.body.error.details.errors as Array<{ path: string; message: string }>;
    expect(fields.map((f) => f.path).sort()).toEqual([
      "config.packages.apt.0",
      "config.packages.cargo.0",
      "config.packages.gem.0",
      "config.packages.go.0",
      "config.packages.npm.1",
      "config.packages.pip.0",
    ]);
    const pip = fields.find((f) => f.path === "config.packages.pip.0");
    expect(pip?.message).toContain('not a valid pip package: expected "name", "name==version"');
    expect(await environmentNames()).not.toContain(name);
  });

  it("refuses what an installer would read as a path, URL or flag", async () => {
    for (const [manager, spec] of [
      ["npm", "git+https://github.com/x/y.git"],
      ["npm", "./local-dir"],
      ["npm", "--registry=http://evil.example"],
      ["pip", "-i http://evil.example requests"],
      ["pip", "https://evil.example/pkg.whl"],
      ["apt", "../x.deb"],
      ["go", "example.com/x@v1;rm -rf /"],
    ]) {
      const res = await callJson("/v1/environments", {
        body: {
          name: uniqueName("inj"),
          config: { type: "cloud", packages: { [manager as string]: [spec] } },
        },
      });
      expect(res.status, `${manager} ${spec}`).toBe(400);
      expect(res.body.error.details.errors[0].path).toBe(`config.packages.${manager}.0`);
    }
  });

  it("refuses a bad pin on update and leaves the environment as it was", async () => {
    const env = (
      await callJson("/v1/environments", {
        body: { name: uniqueName("upd"), config: { type: "cloud", packages: { npm: ["is-number@7.0.0"] } } },
      })
    ).body;
    const res = await callJson(`/v1/environments/${env.id}`, {
      body: { config: { type: "cloud", packages: { npm: ["is-number@ 7"] } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toBe("config.packages.npm.0");
    expect((await callJson(`/v1/environments/${env.id}`)).body.config.packages.npm).toEqual([
      "is-number@7.0.0",
    ]);
  });
});

describe("environment packages: networking", () => {
  it("under limited networking need allow_package_managers (400 at config.packages), and are accepted with it", async () => {
    const limited = { type: "limited", allowed_hosts: [], allow_mcp_servers: false };
    const refused = await callJson("/v1/environments", {
      body: {
        name: uniqueName("locked"),
        config: {
          type: "cloud",
          networking: { ...limited, allow_package_managers: false },
          packages: { npm: ["is-number@7.0.0"] },
        },
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.errors[0]).toMatchObject({
      path: "config.packages",
      message: expect.stringContaining("allow_package_managers"),
    });
    const accepted = await callJson("/v1/environments", {
      body: {
        name: uniqueName("registries"),
        config: {
          type: "cloud",
          networking: { ...limited, allow_package_managers: true },
          packages: { npm: ["is-number@7.0.0"] },
        },
      },
    });
    expect(accepted.status).toBe(200);
  });
});

describe("environment packages: install events", () => {
  it("are typed in the event catalog /openapi.json documents", async () => {
    const { body } = await callJson("/openapi.json");
    const schemas = body.components.schemas;
    expect(schemas.PackagesInstallStartEvent.properties).toMatchObject({
      type: { enum: ["span.packages_install_start"] },
      packages: { type: "object" },
      cache_key: { type: "string" },
    });
    expect(Object.keys(schemas.PackagesInstallEndEvent.properties)).toEqual(
      expect.arrayContaining(["packages_install_start_id", "result", "duration_ms", "steps", "error"]),
    );
    expect(schemas.PackagesInstallEndEvent.properties.result.enum).toEqual(["installed", "cached", "failed"]);
    const union = JSON.stringify(schemas.SessionEvent);
    expect(union).toContain("PackagesInstallStartEvent");
    expect(union).toContain("PackagesInstallEndEvent");
  });
});
