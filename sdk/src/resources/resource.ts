/** Shared plumbing of the resource classes: path encoding and cursor-paged lists. */
import type { HttpClient, RequestOptions } from "../core/http.js";
import { Page } from "../core/pagination.js";

/** Base of every resource: holds the transport and builds pages. */
export abstract class Resource {
  constructor(protected readonly http: HttpClient) {}

  /** Lists `path` with `query`; the page fetches later pages with the same query and options. */
  protected async paginate<T>(path: string, query: object = {}, options?: RequestOptions): Promise<Page<T>> {
    const fetchPage = async (page: string | undefined): Promise<Page<T>> => {
      const body = await this.http.json<{ data: T[]; next_page: string | null }>({
        method: "GET",
        path,
        query: page === undefined ? query : { ...query, page },
        options,
      });
      return new Page(body, fetchPage);
    };
    return fetchPage(undefined);
  }
}

/** Encodes one path segment (ids come from users and must not change the path). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
