/**
 * Follows a JSON request body chunk by chunk, as it arrives, far enough to measure every string at the
 * top level of the body (the members of a GraphQL request object: `query`, `operationName`, and the
 * keys). Returns, after each chunk, the largest such string so far in bytes — a lower bound of its
 * UTF-8 length once decoded (an escape such as `\n` or `\u00e9` counts as one byte) — so that a body whose
 * `query` is over the limit can be refused before the rest of it is read or any of it is parsed.
 *
 * Strings nested deeper (the variables) are skipped, as is everything else; the scan is a few native
 * `indexOf` calls per string plus one comparison per structural byte. It does not validate the JSON:
 * `JSON.parse` still reads the whole body once it is in.
 *
 * (A streaming JSON parser would tokenize every value in JavaScript, which costs more than `JSON.parse`
 * of the whole body — the opposite of the point.)
 */
export function jsonBodyScanner(): (chunk: Uint8Array) => number {
  const quote = 0x22;
  const backslash = 0x5c;
  let depth = 0;
  let inString = false;
  /** The string being read is at the top level (depth 0 or inside the request object). */
  let measured = false;
  /** The previous byte was a backslash inside a string. */
  let escaped = false;
  /** Hex digits of a `\uXXXX` escape still to skip. */
  let hexDigits = 0;
  let bytes = 0;
  let largest = 0;
  return (chunk) => {
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      if (inString) {
        if (hexDigits > 0) {
          const skip = Math.min(hexDigits, length - i);
          hexDigits -= skip;
          i += skip;
          continue;
        }
        if (escaped) {
          escaped = false;
          if (chunk[i] === 0x75) hexDigits = 4;
          bytes++;
          i++;
          continue;
        }
        // Jump to the next quote or backslash: everything before it is the string's own bytes.
        let next = chunk.indexOf(quote, i);
        if (next === -1) next = length;
        const backslashAt = chunk.indexOf(backslash, i);
        if (backslashAt !== -1 && backslashAt < next) {
          bytes += backslashAt - i;
          escaped = true;
          i = backslashAt + 1;
        } else {
          bytes += next - i;
          if (next < length) inString = false;
          i = next + 1;
        }
        if (measured && bytes > largest) largest = bytes;
        continue;
      }
      const byte = chunk[i];
      if (byte === quote) {
        inString = true;
        measured = depth <= 1;
        bytes = 0;
      } else if (byte === 0x7b || byte === 0x5b) {
        depth++;
      } else if (byte === 0x7d || byte === 0x5d) {
        depth--;
      }
      i++;
    }
    return largest;
  };
}
