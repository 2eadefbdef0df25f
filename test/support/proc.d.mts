// Types for proc.mjs.
export function processEnvironment(pid: number): string[];
export function filesContaining(dir: string, needle: string): { scanned: number; found: string[] };
export function readText(path: string): string;
