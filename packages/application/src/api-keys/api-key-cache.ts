import type { ApiKey } from "@flowgate/domain";

/** A stored key with the organization of its workspace, as authentication looks it up. */
export interface StoredApiKey {
  apiKey: ApiKey;
  organizationId: string;
}

/** One cached lookup: the stored key (or `null`: no key has this hash) and when the entry goes stale. */
interface Entry {
  found: StoredApiKey | null;
  staleAt: number;
}

/**
 * Authenticated API keys by hash, kept for a short time so that a request costs no key lookup. A revoked
 * or rotated key is evicted at once in this process and, through the event bus's `api-keys` channel, in
 * every other gateway; `ttlMs` bounds how long any other change (or a lost bus message) can go unseen.
 * Revocations and expiries that are only scheduled (a rotation's grace) are checked against the cached
 * record's times on every request. At most `maxEntries` keys are kept (the oldest go first).
 */
export class ApiKeyCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #byHash = new Map<string, Entry>();
  readonly #hashesByKey = new Map<string, string>();

  /**
   * @param ttlMs - How long an entry is used, in ms (`0`: no caching).
   * @param maxEntries - Most keys kept.
   */
  constructor(ttlMs: number, maxEntries = 10_000) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /** The cached lookup of `hash`, or `undefined` when there is none or it went stale. */
  get(hash: string, now: number): StoredApiKey | null | undefined {
    const entry = this.#byHash.get(hash);
    if (!entry) return undefined;
    if (entry.staleAt <= now) {
      this.#delete(hash, entry);
      return undefined;
    }
    return entry.found;
  }

  /** Keeps a lookup of `hash` (a miss is kept too, so unknown keys cost one lookup per period). */
  set(hash: string, found: StoredApiKey | null, now: number): void {
    if (this.#ttlMs <= 0) return;
    const previous = this.#byHash.get(hash);
    if (previous) this.#delete(hash, previous);
    while (this.#byHash.size >= this.#maxEntries) {
      const [oldestHash, oldest] = this.#byHash.entries().next().value as [string, Entry];
      this.#delete(oldestHash, oldest);
    }
    this.#byHash.set(hash, { found, staleAt: now + this.#ttlMs });
    if (found) this.#hashesByKey.set(found.apiKey.id, hash);
  }

  /** Forgets the key with this id (it was revoked, rotated or changed). */
  evict(keyId: string): void {
    const hash = this.#hashesByKey.get(keyId);
    const entry = hash === undefined ? undefined : this.#byHash.get(hash);
    if (hash !== undefined && entry) this.#delete(hash, entry);
    this.#hashesByKey.delete(keyId);
  }

  /** Forgets every key. */
  clear(): void {
    this.#byHash.clear();
    this.#hashesByKey.clear();
  }

  #delete(hash: string, entry: Entry): void {
    this.#byHash.delete(hash);
    if (entry.found) this.#hashesByKey.delete(entry.found.apiKey.id);
  }
}
