import { describe, expect, it } from "vitest";
import {
  applyEnvironmentUpdate,
  type EnvironmentSpec,
  environmentSpecFromCreate,
} from "../../src/domain/environment-spec";
import { fieldErrors } from "../../src/middleware/validation";
import {
  EnvironmentCreateSchema,
  EnvironmentListQuerySchema,
  EnvironmentUpdateSchema,
} from "../../src/schemas/environments";
import { apiError } from "./support";

function create(body: unknown): EnvironmentSpec {
  return environmentSpecFromCreate(EnvironmentCreateSchema.parse(body));
}

function update(current: EnvironmentSpec, body: unknown, archived = false) {
  return applyEnvironmentUpdate(current, EnvironmentUpdateSchema.parse(body), { archived });
}

const noPackages = { type: "packages", apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

describe("environmentSpecFromCreate", () => {
  it("defaults to an unrestricted cloud environment with no packages", () => {
    expect(create({ name: "e" })).toEqual({
      name: "e",
      description: null,
      config: {
        type: "cloud",
        networking: { type: "unrestricted" },
        packages: noPackages,
        sleep_after_seconds: 600,
        workspace_max_mb: 100,
        warm_pool: null,
      },
      metadata: {},
      scope: "organization",
    });
  });

  it("fills limited networking defaults and every package list", () => {
    const spec = create({
      name: "e",
      config: { type: "cloud", networking: { type: "limited", allowed_hosts: ["api.example.com"] } },
    });
    expect(spec.config).toEqual({
      type: "cloud",
      networking: {
        type: "limited",
        allowed_hosts: ["api.example.com"],
        allow_mcp_servers: false,
        allow_package_managers: false,
      },
      packages: noPackages,
      sleep_after_seconds: 600,
      workspace_max_mb: 100,
      warm_pool: null,
    });
  });

  it("takes an idle sleep between a minute and a day, in whole seconds, each refusal at its path", () => {
    const withSleep = (sleep_after_seconds: unknown) => ({
      name: "e",
      config: { type: "cloud", sleep_after_seconds },
    });
    expect(create(withSleep(60)).config).toMatchObject({ sleep_after_seconds: 60 });
    expect(create(withSleep(86_400)).config).toMatchObject({ sleep_after_seconds: 86_400 });
    expect(create(withSleep(null)).config).toMatchObject({ sleep_after_seconds: 600 });
    for (const bad of [59, 86_401, 90.5, "600"]) {
      const parsed = EnvironmentCreateSchema.safeParse(withSleep(bad));
      expect(parsed.success, String(bad)).toBe(false);
      expect(parsed.error?.issues[0]?.path.join(".")).toBe("config.sleep_after_seconds");
    }
  });

  it("refuses a self-hosted config until the environment work API exists", () => {
    const err = apiError(() => create({ name: "e", config: { type: "self_hosted" } }));
    expect(err.status).toBe(400);
    expect(err.code).toBe("unsupported_environment_type");
    expect(err.fields?.[0]?.path).toBe("config.type");
    expect(err.message).toContain("environment work API");
  });

  it("requires allow_package_managers for packages under limited networking", () => {
    const config = { type: "cloud", networking: { type: "limited" }, packages: { pip: ["pandas"] } };
    const err = apiError(() => create({ name: "e", config }));
    expect(err.code).toBe("invalid_request");
    expect(err.fields?.[0]?.path).toBe("config.packages");
    const allowed = { ...config, networking: { type: "limited", allow_package_managers: true } };
    expect(create({ name: "e", config: allowed }).config).toMatchObject({ packages: { pip: ["pandas"] } });
  });
});

describe("environment body schemas", () => {
  it.each(["api.example.com", "localhost", "10.0.0.1", "*.example.com"])(
    "accepts allowed host %s",
    (host) => {
      const config = { type: "cloud", networking: { type: "limited", allowed_hosts: [host] } };
      expect(EnvironmentCreateSchema.safeParse({ name: "e", config }).success).toBe(true);
    },
  );

  it.each(["https://example.com", "example.com:443", "1.2.3.999", "ex ample.com", "*", "a.*.com", "-a.com"])(
    "rejects allowed host %s at its index",
    (host) => {
      const config = { type: "cloud", networking: { type: "limited", allowed_hosts: ["ok.com", host] } };
      const result = EnvironmentCreateSchema.safeParse({ name: "e", config });
      expect(result.error?.issues[0]?.path.join(".")).toBe("config.networking.allowed_hosts.1");
    },
  );

  it("reports unknown top-level fields at their own path", () => {
    const result = EnvironmentUpdateSchema.safeParse({ nmae: "x" });
    expect(result.error && fieldErrors(result.error, "json")).toEqual([
      { path: "nmae", message: 'unknown field "nmae"' },
    ]);
  });

  it("parses the list query", () => {
    expect(EnvironmentListQuerySchema.parse({ limit: "5", include_archived: "false" })).toEqual({
      limit: 5,
      include_archived: false,
    });
  });
});

describe("applyEnvironmentUpdate", () => {
  const base = create({
    name: "e",
    description: "d",
    config: {
      type: "cloud",
      networking: { type: "limited", allowed_hosts: ["a.com"], allow_package_managers: true },
      packages: { pip: ["pandas"], npm: ["left-pad"] },
    },
    metadata: { a: "1", b: "2" },
  });

  it("changes nothing when every field is omitted", () => {
    expect(update(base, {})).toEqual({ spec: base, changed: false });
  });

  it("reports no change when the stored values are sent again", () => {
    const same = {
      name: "e",
      config: { type: "cloud", packages: { pip: ["pandas"] } },
      metadata: { a: "1" },
    };
    expect(update(base, same).changed).toBe(false);
  });

  it("preserves omitted config fields and merges limited networking", () => {
    const { spec, changed } = update(base, {
      config: { type: "cloud", networking: { type: "limited", allow_mcp_servers: true } },
    });
    expect(changed).toBe(true);
    expect(spec.config).toEqual({
      type: "cloud",
      networking: {
        type: "limited",
        allowed_hosts: ["a.com"],
        allow_mcp_servers: true,
        allow_package_managers: true,
      },
      packages: { ...noPackages, pip: ["pandas"], npm: ["left-pad"] },
      sleep_after_seconds: 600,
      workspace_max_mb: 100,
      warm_pool: null,
    });
  });

  it("keeps the idle sleep when omitted, changes it when sent, resets it with null", () => {
    const { spec: slow } = update(base, { config: { type: "cloud", sleep_after_seconds: 3600 } });
    expect(slow.config).toMatchObject({ sleep_after_seconds: 3600 });
    const { spec: kept } = update(slow, { config: { type: "cloud", networking: null } });
    expect(kept.config).toMatchObject({ sleep_after_seconds: 3600 });
    const { spec: reset } = update(slow, { config: { type: "cloud", sleep_after_seconds: null } });
    expect(reset.config).toMatchObject({ sleep_after_seconds: 600 });
  });

  it("replaces only the package lists that are sent; null empties a list", () => {
    const { spec } = update(base, { config: { type: "cloud", packages: { pip: ["numpy"], npm: null } } });
    expect(spec.config).toMatchObject({ packages: { pip: ["numpy"], npm: [] } });
  });

  it("re-checks the package rule when networking is tightened", () => {
    const config = { type: "cloud", networking: { type: "limited", allow_package_managers: false } };
    const err = apiError(() => update(base, { config }));
    expect(err.code).toBe("invalid_request");
    expect(err.fields?.[0]?.path).toBe("config.packages");
  });

  it("refuses to change config.type", () => {
    const err = apiError(() => update(base, { config: { type: "self_hosted" } }));
    expect(err.code).toBe("invalid_config_type_change");
    expect(err.status).toBe(400);
    expect(err.fields?.[0]?.path).toBe("config.type");
  });

  it("refuses any update to an archived environment", () => {
    const err = apiError(() => update(base, { name: "new" }, true));
    expect(err.code).toBe("environment_archived");
    expect(err.status).toBe(400);
  });

  it("deletes metadata keys with null or an empty string", () => {
    const { spec } = update(base, { metadata: { a: null, b: "", c: "3" } });
    expect(spec.metadata).toEqual({ c: "3" });
  });

  it("throws invalid_metadata when the patched bag is too large", () => {
    const patch = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, "v"]));
    expect(apiError(() => update(base, { metadata: patch })).code).toBe("invalid_metadata");
  });

  it("clears the description with null but stores an empty string as given", () => {
    expect(update(base, { description: null }).spec.description).toBeNull();
    expect(update(base, { description: "" }).spec.description).toBe("");
  });

  it("keeps name and scope when they are null", () => {
    const { spec, changed } = update(base, { name: null, scope: null });
    expect(changed).toBe(false);
    expect(spec.name).toBe("e");
    expect(spec.scope).toBe("organization");
  });

  it("resets networking to unrestricted", () => {
    const { spec } = update(base, { config: { type: "cloud", networking: { type: "unrestricted" } } });
    expect(spec.config).toMatchObject({
      networking: { type: "unrestricted" },
      packages: { pip: ["pandas"] },
    });
  });
});
