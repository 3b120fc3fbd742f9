/**
 * Rows in the order of `keys`: the row whose key is `keys[i]` at `i`, `undefined` where there is none (a
 * record that does not exist or is not the caller's). Batch reads answer this way so that DataLoaders and
 * REST "get many" can use them as they are.
 *
 * @param keys - The keys asked for.
 * @param rows - The rows found, in any order.
 * @param keyOf - A row's key.
 */
export function alignByKey<T>(
  keys: readonly string[],
  rows: readonly T[],
  keyOf: (row: T) => string | null,
): (T | undefined)[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key !== null) byKey.set(key, row);
  }
  return keys.map((key) => byKey.get(key));
}

/**
 * Rows grouped in the order of `keys`: the rows whose key is `keys[i]` at `i` (in their order in `rows`),
 * an empty list where there are none.
 *
 * @param keys - The keys asked for.
 * @param rows - The rows found, grouped by key in any order.
 * @param keyOf - A row's key.
 */
export function groupByKey<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return keys.map((key) => groups.get(key) ?? []);
}
