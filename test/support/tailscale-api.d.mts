// Types for tailscale-api.mjs.
export interface MintedKey {
  clientId: string;
  id: string;
  key: string;
  created: string;
  expires: string;
  description?: string;
  capabilities: {
    devices: {
      create: { reusable?: boolean; ephemeral?: boolean; preauthorized?: boolean; tags?: string[] };
    };
  };
}

export interface TailscaleApiDouble {
  origin: string;
  minted: MintedKey[];
  close(): Promise<void>;
}

export function startTailscaleApi(options: {
  clients: Record<string, { secret: string; tags: string[] }>;
  port?: number;
}): Promise<TailscaleApiDouble>;
