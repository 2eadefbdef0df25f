export interface DoubleServer {
  origin: string;
  calls(
    account: string,
    method?: string,
  ): Array<{ method: string; params: any; at: number; answered: number }>;
  close(): Promise<void>;
}
export function startDoubleServer(spec: unknown): Promise<DoubleServer>;
