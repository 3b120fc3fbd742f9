import { createHash } from "node:crypto";
import { ValidationError, type ValidationIssue } from "./errors.ts";

/** One line of a workflow's rollout map: `percentage` of new runs start on `version`. */
export interface RolloutEntry {
  /** A published version of the workflow. */
  version: number;
  /** Share of new runs, a whole number from 1 to 100; the entries of a map sum to 100. */
  percentage: number;
}

/** Largest number of versions a rollout map may split between. */
export const maxRolloutEntries = 10;

/** Number of buckets a rollout key is hashed into; a percentage point is 100 buckets. */
export const rolloutBuckets = 10_000;

/**
 * Checks a rollout map: 1 to {@link maxRolloutEntries} entries, each a known version (once) with a whole
 * percentage from 1 to 100, summing to 100.
 *
 * @param entries - The map as given.
 * @param knownVersions - The workflow's published versions.
 * @param prefix - Path of the map in the input, `["rollout"]` by default.
 * @returns Every problem found, with paths such as `rollout.1.percentage`; empty when the map is valid.
 */
export function rolloutIssues(
  entries: readonly RolloutEntry[],
  knownVersions: readonly number[],
  prefix: readonly string[] = ["rollout"],
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (...path: (string | number)[]) => [...prefix, ...path.map(String)];
  if (entries.length === 0) {
    issues.push({ path: at(), message: "needs at least one entry" });
    return issues;
  }
  if (entries.length > maxRolloutEntries) {
    issues.push({ path: at(), message: `has at most ${maxRolloutEntries} entries` });
  }
  const seen = new Map<number, number>();
  entries.forEach((entry, index) => {
    if (!Number.isInteger(entry.version) || !knownVersions.includes(entry.version)) {
      const known = [...knownVersions].sort((a, b) => a - b).join(", ");
      issues.push({
        path: at(index, "version"),
        message: `version ${entry.version} is not a published version of the workflow (published: ${known})`,
      });
    } else if (seen.has(entry.version)) {
      issues.push({
        path: at(index, "version"),
        message: `version ${entry.version} is already listed at entry ${seen.get(entry.version)}`,
      });
    } else {
      seen.set(entry.version, index);
    }
    if (!Number.isInteger(entry.percentage) || entry.percentage < 1 || entry.percentage > 100) {
      issues.push({
        path: at(index, "percentage"),
        message: "percentage must be a whole number from 1 to 100",
      });
    }
  });
  const total = entries.reduce((sum, entry) => sum + entry.percentage, 0);
  if (issues.length === 0 && total !== 100) {
    issues.push({ path: at(), message: `percentages must sum to 100 (they sum to ${total})` });
  }
  return issues;
}

/**
 * Throws unless the rollout map is valid (see {@link rolloutIssues}).
 *
 * @param entries - The map as given.
 * @param knownVersions - The workflow's published versions.
 * @param prefix - Path of the map in the input, `["rollout"]` by default.
 * @throws ValidationError `"Invalid rollout map"` naming each offending entry.
 */
export function assertValidRollout(
  entries: readonly RolloutEntry[],
  knownVersions: readonly number[],
  prefix: readonly string[] = ["rollout"],
): void {
  const issues = rolloutIssues(entries, knownVersions, prefix);
  if (issues.length > 0) throw new ValidationError("Invalid rollout map", issues);
}

/**
 * The bucket (0 to {@link rolloutBuckets} − 1) of a rollout key: the first 48 bits of its SHA-256 modulo
 * the bucket count. The same key always lands in the same bucket, on every process and machine.
 *
 * @param key - What assignment sticks to, e.g. `<workflowId>:<sessionId>`.
 */
export function rolloutBucket(key: string): number {
  const digest = createHash("sha256").update(key).digest();
  return digest.readUIntBE(0, 6) % rolloutBuckets;
}

/**
 * The version a new run starts on under a rollout map: entries take consecutive ranges of buckets in
 * their order (50 % = 5,000 buckets), and the key's {@link rolloutBucket} picks the range. The same
 * key therefore always gets the same version while the map stays the same.
 *
 * @param entries - A valid rollout map (percentages summing to 100).
 * @param key - What assignment sticks to (the session id, else the run's key).
 */
export function assignRolloutVersion(entries: readonly RolloutEntry[], key: string): number {
  const bucket = rolloutBucket(key);
  let upper = 0;
  for (const entry of entries) {
    upper += entry.percentage * (rolloutBuckets / 100);
    if (bucket < upper) return entry.version;
  }
  // Only reachable for a map that does not sum to 100; the last entry takes the rest.
  const last = entries.at(-1);
  if (last === undefined) throw new Error("A rollout map needs at least one entry");
  return last.version;
}

/**
 * The key a rollout assigns by for a run of `workflowId`: the workflow id joined with the session id
 * (or, for runs without a session, the run's own key), so one session sticks to one version per workflow
 * and different workflows split independently.
 *
 * @param workflowId - The workflow.
 * @param subject - Session id, or the run's key when it has no session.
 */
export function rolloutKey(workflowId: string, subject: string): string {
  return `${workflowId}:${subject}`;
}
