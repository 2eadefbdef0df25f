/**
 * The package as a user gets it: `npm pack` of the built SDK, installed into an empty project
 * (offline, with the SDK's own dependencies packed from sdk/node_modules), and a snippet
 * using the typed client type-checked there with `tsc --strict` and no `skipLibCheck`, so every
 * declaration the SDK ships must resolve with only what its package.json declares.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkDir } from "./built";

const run = promisify(execFile);
const tsc = join(sdkDir, "../node_modules/typescript/bin/tsc");

/** What `npm pack --json` reports of the tarball it wrote. */
interface Packed {
  filename: string;
  files: { path: string }[];
}

const SNIPPET = `
import {
  Clawplane,
  isEventDelta,
  type Session,
  type SessionCreateParams,
  type SessionEvent,
  type StreamEvent,
} from "@clawplane/sdk";

const client = new Clawplane({ baseURL: "http://localhost:8787", apiKey: "key" });

const params: SessionCreateParams = { agent: { type: "agent", id: "agent_1" }, environment_id: "env_1" };

export async function firstText(): Promise<string | undefined> {
  const session: Session = await client.sessions.create(params);
  const status: "idle" | "running" | "rescheduling" | "terminated" = session.status;
  const stream = await client.sessions.events.stream(session.id);
  for await (const event of stream) {
    const seen: StreamEvent = event;
    if (isEventDelta(seen)) return \`\${status}: \${seen.delta.content.text}\`;
    if (seen.type === "event_start") continue;
  }
  return undefined;
}

// Events are a union on \`type\`: comparing it narrows to that event's fields.
export function describeEvent(event: SessionEvent): string | undefined {
  if (event.type === "session.status_idle") return event.stop_reason.type;
  if (event.type === "agent.message") return event.content.map((block) => block.text).join("");
  return undefined;
}

// The types are precise, not \`any\`: each of these must be rejected.
// @ts-expect-error a session's status is one of four
const wrongStatus: Session["status"] = "sleeping";
// @ts-expect-error environment_id is required
const missing: SessionCreateParams = { agent: "agent_1" };
// @ts-expect-error only a narrowed event has its type's fields
const unnarrowed = (event: SessionEvent) => event.stop_reason;
// @ts-expect-error no session event has this type
const unknownType: SessionEvent["type"] = "agent.telepathy";
void unnarrowed;
void unknownType;
void wrongStatus;
void missing;
`;

/** `npm pack` of the package in `from`, written to `to`. */
async function pack(from: string, to: string): Promise<Packed> {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", to], { cwd: from });
  const [packed] = JSON.parse(stdout) as Packed[];
  if (!packed) throw new Error(`npm pack wrote nothing for ${from}`);
  return packed;
}

describe("the packed SDK", () => {
  let dir: string;
  let packed: Packed;
  const dependencyTarballs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "clawplane-sdk-pack-"));
    packed = await pack(sdkDir, dir);
    // The SDK's own dependencies, packed from the copies `npm ci` installed: an offline install
    // cannot resolve their version ranges from the npm cache, which holds tarballs, not indexes.
    const { dependencies } = JSON.parse(await readFile(join(sdkDir, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const name of Object.keys(dependencies)) {
      const dep = await pack(join(sdkDir, "node_modules", name), dir);
      dependencyTarballs.push(join(dir, dep.filename));
    }
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("contains only the SDK: no Worker modules, no declarations reaching outside the package", () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toContain("dist/cli/main.js");
    const outsideDist = paths.filter(
      (p) => !p.startsWith("dist/") && p !== "package.json" && p !== "README.md",
    );
    expect(outsideDist).toEqual([]);
    // The SDK's sources sit directly under dist/; a nested src/ means other code was compiled in.
    expect(paths.filter((p) => /(^|\/)src\//.test(p))).toEqual([]);
  });

  it("installs into an empty project and type-checks a strict snippet using the client and its types", async () => {
    const project = join(dir, "consumer");
    await mkdir(project);
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await writeFile(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022", "DOM", "DOM.Iterable", "ESNext.AsyncIterable"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ["index.ts"],
      }),
    );
    await writeFile(join(project, "index.ts"), SNIPPET);

    const tarballs = [join(dir, packed.filename), ...dependencyTarballs];
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", ...tarballs], {
      cwd: project,
    });
    const checked = await run(process.execPath, [tsc, "--noEmit", "--strict", "-p", project], {
      cwd: project,
    }).then(
      () => "",
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ""}${error.stderr ?? ""}`,
    );
    expect(checked).toBe("");

    // …and loads at run time with only the dependencies its package.json declares.
    const { stdout } = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const sdk = await import("@clawplane/sdk"); console.log(typeof sdk.Clawplane)',
      ],
      { cwd: project },
    );
    expect(stdout.trim()).toBe("function");
  }, 60_000);
});
