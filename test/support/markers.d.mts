// Types for markers.mjs.
export function markerPath(label: string): string;
export function markerExists(path: string): boolean;
