// Types for install.mjs.

export type PackageManager = "apt" | "cargo" | "gem" | "go" | "npm" | "pip";

export interface InstallStep {
  manager: PackageManager;
  package: string;
  /** `present`: an apt package the system already had (at its pin), so apt did not run. */
  result: "installed" | "present" | "failed";
  duration_ms: number;
}

export interface InstallOutcome {
  result: "installed" | "cached" | "failed";
  steps: InstallStep[];
  error: { manager: PackageManager; package: string; message: string } | null;
}

export const MANAGERS: PackageManager[];

export function isActive(options: { key: string; packagesDir: string }): Promise<boolean>;

export function installPackageSet(options: {
  key: string;
  packages: Partial<Record<PackageManager, string[]>>;
  packagesDir: string;
  cacheDir: string;
  env?: Record<string, string | undefined>;
}): Promise<InstallOutcome>;
