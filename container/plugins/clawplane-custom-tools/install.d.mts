export interface CustomToolDefinition {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

export function parseCustomTools(raw: string | undefined): CustomToolDefinition[];
export function installCustomTools(target: string, raw: string | undefined): Promise<CustomToolDefinition[]>;
