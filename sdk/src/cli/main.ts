#!/usr/bin/env node
/** The `clawplane` executable: runs the command line against the real process. */
import { nodeIo } from "./io.js";
import { run } from "./program.js";

process.exitCode = await run(process.argv.slice(2), await nodeIo());
