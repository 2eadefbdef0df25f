// Types for paths.mjs.

export function activeDir(packagesDir: string): string;
export const LAYOUT: Record<"npm" | "pip" | "gem" | "cargo" | "go", string>;
export function packageEnv(packagesDir: string, basePath: string): { PATH: string; GEM_PATH: string };
