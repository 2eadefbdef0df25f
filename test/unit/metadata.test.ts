import { describe, expect, it } from "vitest";
import { applyMetadataPatch, MetadataPatchSchema, MetadataSchema } from "../../src/schemas/metadata";
import { apiError } from "./support";

function bagOf(size: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: size }, (_, i) => [`k${i}`, "v"]));
}

describe("MetadataSchema", () => {
  it("accepts a bag at the limits", () => {
    const bag = { ...bagOf(15), ["k".repeat(64)]: "v".repeat(512) };
    expect(MetadataSchema.safeParse(bag).success).toBe(true);
  });

  it("rejects more than 16 pairs at the bag itself", () => {
    const result = MetadataSchema.safeParse(bagOf(17));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([]);
    expect(result.error?.issues[0]?.message).toMatch(/17 pairs/);
  });

  it("names the key that is too long, too short, or holds too long a value", () => {
    const result = MetadataSchema.safeParse({ ["k".repeat(65)]: "v", "": "v", ok: "v".repeat(513) });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(["k".repeat(65), "", "ok"]);
  });

  it("marks limit violations as invalid_metadata for the validation hook", () => {
    const issue = MetadataSchema.safeParse(bagOf(17)).error?.issues[0];
    expect(issue && "params" in issue ? issue.params : undefined).toEqual({ error_code: "invalid_metadata" });
  });

  it("rejects non-string values", () => {
    expect(MetadataSchema.safeParse({ a: 1 }).success).toBe(false);
  });
});

describe("MetadataPatchSchema", () => {
  it("accepts null values and does not count pairs (the result is counted instead)", () => {
    const patch = { ...bagOf(20), gone: null };
    expect(MetadataPatchSchema.safeParse(patch).success).toBe(true);
  });
});

describe("applyMetadataPatch", () => {
  it("upserts strings and deletes nulls without touching the input", () => {
    const current = { a: "1", b: "2" };
    const next = applyMetadataPatch(current, { a: "one", b: null, c: "3" }, { emptyStringDeletes: false });
    expect(next).toEqual({ a: "one", c: "3" });
    expect(current).toEqual({ a: "1", b: "2" });
  });

  it("stores an empty string unless emptyStringDeletes is set", () => {
    expect(applyMetadataPatch({ a: "1" }, { a: "" }, { emptyStringDeletes: false })).toEqual({ a: "" });
    expect(applyMetadataPatch({ a: "1" }, { a: "" }, { emptyStringDeletes: true })).toEqual({});
  });

  it("deleting a missing key is harmless", () => {
    expect(applyMetadataPatch({}, { nope: null }, { emptyStringDeletes: false })).toEqual({});
  });

  it("throws invalid_metadata when the result exceeds 16 pairs", () => {
    const err = apiError(() => applyMetadataPatch(bagOf(16), { extra: "x" }, { emptyStringDeletes: false }));
    expect(err.code).toBe("invalid_metadata");
    expect(err.status).toBe(400);
    expect(err.fields).toEqual([{ path: "metadata", message: expect.stringMatching(/17 pairs/) }]);
  });

  it("allows a patch that replaces keys while staying within 16", () => {
    const next = applyMetadataPatch(bagOf(16), { k0: null, fresh: "x" }, { emptyStringDeletes: false });
    expect(Object.keys(next)).toHaveLength(16);
  });

  it("names each key and value problem", () => {
    const err = apiError(() =>
      applyMetadataPatch({}, { ["x".repeat(65)]: "v", long: "v".repeat(513) }, { emptyStringDeletes: false }),
    );
    expect(err.fields?.map((f) => f.path)).toEqual([`metadata.${"x".repeat(65)}`, "metadata.long"]);
    expect(err.message).toMatch(/longer than 64/);
    expect(err.message).toMatch(/longer than 512/);
  });
});
