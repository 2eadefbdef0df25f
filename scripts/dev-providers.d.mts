// Types for dev-providers.mjs.
export const PROVIDER_SETTINGS: string[];
export function parseDevVars(text: string): Record<string, string>;
export function missingProviderWarning(sources: Array<Record<string, string | undefined>>): string | null;
export function varArguments(args: string[]): Record<string, string>;
