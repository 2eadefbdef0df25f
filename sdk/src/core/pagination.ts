/**
 * Cursor pagination. Every list endpoint answers `{data, next_page}`; a `Page` holds one such
 * answer and knows how to fetch the next, and iterating a page with `for await` walks every
 * item from it to the end of the list, fetching pages as it goes.
 */

/** Fetches the page that starts at `cursor`. */
export type PageFetcher<T> = (cursor: string) => Promise<Page<T>>;

/** One page of a list, async-iterable over all items from here to the end. */
export class Page<T> implements AsyncIterable<T> {
  /** The items of this page. */
  readonly data: T[];
  /** Cursor of the next page, or null on the last one. */
  readonly next_page: string | null;
  private readonly fetchPage: PageFetcher<T>;

  constructor(body: { data: T[]; next_page?: string | null }, fetchPage: PageFetcher<T>) {
    this.data = body.data;
    this.next_page = body.next_page ?? null;
    this.fetchPage = fetchPage;
  }

  /** Whether another page follows this one. */
  hasNextPage(): boolean {
    return this.next_page !== null;
  }

  /** Fetches the next page; throws on the last page (check `hasNextPage()` first). */
  async getNextPage(): Promise<Page<T>> {
    if (this.next_page === null) throw new Error("this is the last page");
    return this.fetchPage(this.next_page);
  }

  /** Every page from this one on. */
  async *pages(): AsyncGenerator<Page<T>> {
    let page: Page<T> = this;
    yield page;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      yield page;
    }
  }

  /** Every item from this page to the end of the list. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* page.data;
  }
}

/** Collects every item of a list into an array (mind the size of what you list). */
export async function collect<T>(page: Page<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}
