/** A GraphQL answer. */
export interface GraphQLAnswer<T = any> {
  data?: T;
  errors?: { message: string }[];
}

/**
 * POSTs one operation to a Flowgate gateway with an API key and returns `data`; throws with the errors
 * (or the HTTP status) otherwise, so a benchmark never times failures as successes.
 */
export async function gql<T = any>(
  url: string,
  apiKey: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let answer: GraphQLAnswer<T>;
  try {
    answer = JSON.parse(text) as GraphQLAnswer<T>;
  } catch {
    throw new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 300)}`);
  }
  if (!response.ok || answer.errors?.length || !answer.data) {
    throw new Error(`GraphQL ${response.status}: ${JSON.stringify(answer.errors ?? answer).slice(0, 500)}`);
  }
  return answer.data;
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, in order of the items; returns the results
 * in the same order.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}
