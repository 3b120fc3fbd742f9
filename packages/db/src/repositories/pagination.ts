/** Keyset page request over time-ordered ids: newest first. */
export interface PageRequest {
  /** Maximum rows to return. */
  limit: number;
  /** Return rows with ids strictly older than this one. */
  afterId?: string | null | undefined;
  /** Return rows with ids strictly newer than this one, nearest first (oldest first). */
  beforeId?: string | null | undefined;
  /**
   * Return the oldest rows first even without `beforeId` (Relay `last` without `before`: the end of the
   * list). Repositories that do not read it treat such a request as a first page.
   */
  oldestFirst?: boolean | undefined;
}
