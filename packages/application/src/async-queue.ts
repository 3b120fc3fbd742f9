/**
 * An unbounded push/pull queue: producers `push`, one consumer iterates. Used to bridge bus callbacks
 * into subscription generators.
 */
export class AsyncQueue<T> {
  readonly #items: T[] = [];
  #waiter: (() => void) | undefined;
  #closed = false;

  /** Adds an item; wakes the consumer. */
  push(item: T): void {
    if (this.#closed) return;
    this.#items.push(item);
    this.#waiter?.();
  }

  /** Ends iteration once the buffered items are consumed. */
  close(): void {
    this.#closed = true;
    this.#waiter?.();
  }

  /** Takes the next item, waiting for one; undefined once closed and drained. */
  async next(): Promise<T | undefined> {
    while (this.#items.length === 0) {
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
      this.#waiter = undefined;
    }
    return this.#items.shift();
  }
}
