/** The capture link in an invitation email's text. */
export function verifyLinkIn(text: string): string | null {
  return /https?:\/\/\S+\/verify\/fgv_[A-Za-z0-9_-]+/.exec(text)?.[0] ?? null;
}

/** A 1×1 PNG. */
export const tinyPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);
