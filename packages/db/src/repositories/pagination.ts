/** Keyset page request over time-ordered ids: newest first. */
export interface PageRequest {
  /** Maximum rows to return. */
  limit: number;
  /** Return rows with ids strictly older than this one. */
  afterId?: string | null | undefined;
  /** Return rows with ids strictly newer than this one, nearest first (oldest first). */
  beforeId?: string | null | undefined;
}
