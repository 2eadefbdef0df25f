/**
 * The package set a session installs and its cache key: the same set, however it was written,
 * is one key (so it is restored from the cache); a different pin is another key; an environment
 * without packages installs nothing.
 */
import { describe, expect, it } from "vitest";
import type { Packages } from "../../src/schemas/environments";
import {
  installFailureMessage,
  normalizedPackageSet,
  packageSetKey,
} from "../../src/session/environment-packages";

const packages = (lists: Partial<Packages>): Packages => ({
  type: "packages",
  apt: [],
  cargo: [],
  gem: [],
  go: [],
  npm: [],
  pip: [],
  ...lists,
});

describe("environment package sets", () => {
  it("keep only managers with packages, each de-duplicated and sorted", () => {
    expect(normalizedPackageSet(packages({ npm: ["b@1", "a@2", "b@1"], pip: [] }))).toEqual({
      npm: ["a@2", "b@1"],
    });
    expect(normalizedPackageSet(packages({}))).toEqual({});
    expect(normalizedPackageSet(undefined)).toEqual({});
  });

  it("have one cache key per set, whatever the order it was written in, and another for another pin", async () => {
    const one = await packageSetKey(normalizedPackageSet(packages({ npm: ["a@1", "b@2"], pip: ["x==1"] })));
    const same = await packageSetKey(
      normalizedPackageSet(packages({ pip: ["x==1"], npm: ["b@2", "a@1", "a@1"] })),
    );
    const otherPin = await packageSetKey(
      normalizedPackageSet(packages({ npm: ["a@1", "b@3"], pip: ["x==1"] })),
    );
    const otherManager = await packageSetKey(
      normalizedPackageSet(packages({ npm: ["a@1", "b@2"], gem: ["x==1"] })),
    );
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(same).toBe(one);
    expect(otherPin).not.toBe(one);
    expect(otherManager).not.toBe(one);
  });

  it("say which package failed, then the installer's words", () => {
    expect(installFailureMessage({ manager: "npm", package: "nope@1", message: "npm error 404" })).toBe(
      'Installing npm package "nope@1" failed: npm error 404',
    );
    expect(installFailureMessage({ manager: null, package: null, message: "unknown method" })).toBe(
      "The environment's packages could not be installed: unknown method",
    );
  });
});
