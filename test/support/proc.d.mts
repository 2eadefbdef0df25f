// Types for proc.mjs.
export function processEnvironment(pid: number): string[];
