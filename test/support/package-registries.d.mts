export const NAME: string;
export const GO_MODULE: string;
export const VERSIONS: string[];
export function zip(files: [string, string | Buffer][]): Buffer;
export function tarGz(files: [string, string | Buffer][]): Buffer;
export function wheel(version: string): { filename: string; data: Buffer };
export function cargoIndexPath(name: string): string;
export function writeGemSources(dir: string): Promise<string>;
export interface PackageRegistries {
  origin: string;
  requests: { method?: string; path: string }[];
  close(): Promise<void>;
}
export function startPackageRegistries(options?: {
  host?: string;
  gemDir?: string;
}): Promise<PackageRegistries>;
export function registryEnv(origin: string, configDir: string): Promise<Record<string, string>>;
