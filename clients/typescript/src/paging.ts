// Every list answers {items, next_cursor, total}; a page's next_cursor fetches the next
// one, and null means it was the last. The iterators hide that loop.

/** A page of any list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Each item of every page, from `cursor` (or the first page) to the last, fetching a
 * page only when the previous one is used up (break out of the loop to stop early).
 */
export async function* followPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  cursor?: string,
): AsyncGenerator<T, void, undefined> {
  let next: string | undefined = cursor;
  do {
    const page = await fetchPage(next);
    yield* page.items;
    next = page.next_cursor ?? undefined;
  } while (next !== undefined);
}

/** Each item of a list operation's pages for `query`, which may start at its `cursor`. */
export function iteratePages<Q extends { cursor?: string }, T>(
  list: (query: Q) => Promise<Page<T>>,
  query: Q,
): AsyncGenerator<T, void, undefined> {
  return followPages((cursor) => list(cursor === undefined ? query : { ...query, cursor }), query.cursor);
}
