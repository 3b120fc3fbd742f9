import { randomFillSync } from "node:crypto";

/** Every id prefix, one per kind of record. */
export const idPrefixes = [
  "org",
  "ws",
  "key",
  "wfl",
  "wfd",
  "ses",
  "wfr",
  "nrn",
  "job",
  "evt",
  "ent",
  "qnr",
  "rsp",
  "rse",
  "wfs",
  "cle",
  "crs",
  "eml",
  "whe",
  "msg",
  "whd",
  "doc",
  "afj",
  "sch",
  "hok",
  "chk",
  "att",
  "vlk",
  "rsk",
  "snd",
  "hld",
  "dsx",
  "blk",
] as const;

/**
 * Prefix of a record id: `org` organization, `ws` workspace, `key` API key, `wfl` workflow, `wfd` workflow
 * draft, `ses` session, `wfr` workflow run, `nrn` node run, `job` queue job, `evt` run event; `ent` entity,
 * `qnr` questionnaire, `rsp` questionnaire response, `rse` response event, `wfs` recipient send (magic link),
 * `cle` credit ledger entry, `crs` credit reservation, `eml` outbox email; `whe` webhook endpoint, `msg` webhook
 * event (its `webhook-id`), `whd` webhook delivery (one event to one endpoint); `doc` entity document, `afj`
 * autofill job, `sch` workflow schedule, `hok` inbound workflow trigger; `chk` session check, `att` check
 * attempt, `vlk` one-time verification link, `rsk` risk assessment (`doc` also names a session's documents);
 * `snd` recipient email job (also its SMTP Message-ID), `hld` legal hold, `dsx` DSAR export, `blk` bulk operation.
 */
export type IdPrefix = (typeof idPrefixes)[number];

/** Crockford base32 alphabet in lower case (no i, l, o, u). */
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
const timeChars = 10;
const randomChars = 16;
const maxTime = 2 ** 48 - 1;
const bodyPattern = /^[0-9a-hjkmnp-tv-z]{26}$/;

let lastTime = -1;
let lastRandom: Uint8Array = new Uint8Array(10);

/**
 * Creates a new id `<prefix>_<26 chars>`: 10 Crockford base32 characters of the 48-bit millisecond
 * timestamp followed by 16 characters of 80 random bits (like a ULID, lower case).
 *
 * Ids of one prefix sort by creation time as plain strings. Within one millisecond (or when the clock
 * goes backwards) the random part of the previous id is incremented, so ids created by one process are
 * strictly increasing.
 *
 * @param prefix - Kind of record the id is for.
 */
export function newId(prefix: IdPrefix): string {
  let time = Date.now();
  let random: Uint8Array;
  if (time <= lastTime) {
    time = lastTime;
    random = incremented(lastRandom);
    if (random === lastRandom) {
      // 80-bit overflow within one millisecond: borrow the next millisecond.
      time = lastTime + 1;
      random = randomTenBytes();
    }
  } else {
    random = randomTenBytes();
  }
  if (time > maxTime) throw new Error("Timestamp does not fit in 48 bits");
  lastTime = time;
  lastRandom = random;
  return `${prefix}_${encodeTime(time)}${encodeRandom(random)}`;
}

/** Random bytes drawn 10 at a time from a pool refilled by one system call per 51 ids. */
const randomPool = new Uint8Array(510);
let randomPoolOffset = randomPool.length;

/** Ten fresh random bytes (a copy: ids keep theirs). */
function randomTenBytes(): Uint8Array {
  if (randomPoolOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  randomPoolOffset += 10;
  return randomPool.slice(randomPoolOffset - 10, randomPoolOffset);
}

/** Returns a copy of `bytes` plus one, or `bytes` itself when it overflows. */
function incremented(bytes: Uint8Array): Uint8Array {
  const next = new Uint8Array(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] !== 0xff) {
      next[i] = (next[i] ?? 0) + 1;
      return next;
    }
    next[i] = 0;
  }
  return bytes;
}

function encodeTime(time: number): string {
  let out = "";
  let rest = time;
  for (let i = 0; i < timeChars; i++) {
    out = alphabet.charAt(rest % 32) + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = "";
  for (let i = 0; i < randomChars; i++) {
    out = alphabet.charAt(Number(value & 31n)) + out;
    value >>= 5n;
  }
  return out;
}

/**
 * Whether `id` starts with `<prefix>_` followed by at least one character. Only the prefix is checked, so
 * fixed ids such as seeded records pass too; use {@link isGeneratedId} for the full format.
 *
 * @param id - Id to inspect.
 * @param prefix - Expected prefix.
 */
export function hasIdPrefix(id: string, prefix: IdPrefix): boolean {
  return id.length > prefix.length + 1 && id.startsWith(`${prefix}_`);
}

/**
 * Whether `id` has exactly the format produced by {@link newId} for `prefix`.
 *
 * @param id - Id to inspect.
 * @param prefix - Expected prefix.
 */
export function isGeneratedId(id: string, prefix: IdPrefix): boolean {
  return hasIdPrefix(id, prefix) && bodyPattern.test(id.slice(prefix.length + 1));
}

/**
 * The prefix of `id` when it is one of {@link idPrefixes}, else `null`.
 *
 * @param id - Id to inspect.
 */
export function idPrefixOf(id: string): IdPrefix | null {
  const separator = id.indexOf("_");
  if (separator <= 0 || separator === id.length - 1) return null;
  const prefix = id.slice(0, separator);
  return (idPrefixes as readonly string[]).includes(prefix) ? (prefix as IdPrefix) : null;
}

/**
 * Creation time encoded in an id made by {@link newId}, or `null` when `id` is not in that format.
 *
 * @param id - Id to decode.
 */
export function idTimestamp(id: string): Date | null {
  const separator = id.indexOf("_");
  const body = id.slice(separator + 1);
  if (separator <= 0 || !bodyPattern.test(body)) return null;
  let time = 0;
  for (const char of body.slice(0, timeChars)) time = time * 32 + alphabet.indexOf(char);
  return time > maxTime ? null : new Date(time);
}

/**
 * The smallest id {@link newId} can make for `prefix` at `time` (to the millisecond): every id of that
 * prefix created at or after `time` sorts at or after it as a plain string, every id created before sorts
 * before it. Range filters on creation time use it to stay on an index of ids.
 *
 * @param prefix - Kind of record.
 * @param time - The instant; clamped to the 48-bit range of id timestamps.
 */
export function idLowerBound(prefix: IdPrefix, time: Date): string {
  const ms = Math.min(Math.max(Math.floor(time.getTime()), 0), maxTime);
  return `${prefix}_${encodeTime(ms)}${"0".repeat(randomChars)}`;
}
