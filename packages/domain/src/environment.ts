/** Every environment. Sandbox and live data never mix. */
export const environments = ["live", "sandbox"] as const;

/** `live` for real traffic, `sandbox` for tests with simulated checks and free sends. */
export type Environment = (typeof environments)[number];

/**
 * Whether `value` is a known {@link Environment}.
 *
 * @param value - Value to check.
 */
export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (environments as readonly string[]).includes(value);
}
