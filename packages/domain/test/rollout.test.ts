import { describe, expect, it } from "vitest";
import {
  assertValidRollout,
  assignRolloutVersion,
  type RolloutEntry,
  rolloutBucket,
  rolloutBuckets,
  rolloutIssues,
  rolloutKey,
  ValidationError,
} from "../src/index.ts";

/** Share of `keys` each version gets under `map`, in percentage points. */
function split(map: RolloutEntry[], keys: string[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const key of keys) {
    const version = assignRolloutVersion(map, key);
    counts.set(version, (counts.get(version) ?? 0) + 1);
  }
  return new Map([...counts].map(([version, count]) => [version, (count / keys.length) * 100]));
}

const sessionKeys = Array.from({ length: 10_000 }, (_, i) => rolloutKey("wfl_demo", `ses_${i.toString(36)}`));

describe("rollout assignment", () => {
  it.each([
    [
      [
        { version: 1, percentage: 50 },
        { version: 2, percentage: 50 },
      ],
    ],
    [
      [
        { version: 1, percentage: 90 },
        { version: 2, percentage: 10 },
      ],
    ],
    [
      [
        { version: 3, percentage: 20 },
        { version: 1, percentage: 30 },
        { version: 2, percentage: 50 },
      ],
    ],
    [
      [
        { version: 1, percentage: 1 },
        { version: 2, percentage: 99 },
      ],
    ],
  ])("splits 10,000 session keys within ±2 points of %j", (map) => {
    const shares = split(map, sessionKeys);
    for (const entry of map) {
      expect(Math.abs((shares.get(entry.version) ?? 0) - entry.percentage)).toBeLessThanOrEqual(2);
    }
    expect([...shares.keys()].every((version) => map.some((entry) => entry.version === version))).toBe(true);
  });

  it("is sticky: the same key always gets the same version, on every call", () => {
    const map = [
      { version: 1, percentage: 50 },
      { version: 2, percentage: 50 },
    ];
    for (const key of sessionKeys.slice(0, 500)) {
      expect(assignRolloutVersion(map, key)).toBe(assignRolloutVersion(map, key));
    }
    // Fixed values (first 48 bits of SHA-256 mod 10,000): stable across processes, machines and releases,
    // so changing the hash would move live sessions between versions and must fail this test.
    expect(rolloutBucket("wfl_demo:ses_0")).toBe(9192);
    expect(rolloutBucket("wfl_demo:ses_1")).toBe(3462);
    expect(rolloutBucket("")).toBe(8124);
    for (const key of sessionKeys.slice(0, 1000)) {
      expect(rolloutBucket(key)).toBeGreaterThanOrEqual(0);
      expect(rolloutBucket(key)).toBeLessThan(rolloutBuckets);
    }
  });

  it("moves only the keys of the shares that changed when a map grows", () => {
    const before = [
      { version: 1, percentage: 90 },
      { version: 2, percentage: 10 },
    ];
    const after = [
      { version: 1, percentage: 70 },
      { version: 2, percentage: 30 },
    ];
    // Keys on version 2 before stay on version 2: its range only widens.
    for (const key of sessionKeys) {
      if (assignRolloutVersion(before, key) === 2) {
        // A key in version 2's old range [9000, 10000) is outside version 1's new range [0, 7000).
        expect(assignRolloutVersion(after, key)).toBe(2);
      }
    }
  });

  it("separates workflows: the same session splits independently per workflow", () => {
    const map = [
      { version: 1, percentage: 50 },
      { version: 2, percentage: 50 },
    ];
    let same = 0;
    for (let i = 0; i < 2000; i++) {
      const a = assignRolloutVersion(map, rolloutKey("wfl_a", `ses_${i}`));
      const b = assignRolloutVersion(map, rolloutKey("wfl_b", `ses_${i}`));
      if (a === b) same++;
    }
    expect(same / 2000).toBeGreaterThan(0.4);
    expect(same / 2000).toBeLessThan(0.6);
  });

  it("always picks the only entry of a 100 % map", () => {
    expect(
      new Set(
        sessionKeys.slice(0, 200).map((k) => assignRolloutVersion([{ version: 7, percentage: 100 }], k)),
      ),
    ).toEqual(new Set([7]));
  });
});

describe("rollout validation", () => {
  const versions = [1, 2, 3];

  it("accepts whole percentages of published versions summing to 100", () => {
    expect(rolloutIssues([{ version: 1, percentage: 100 }], versions)).toEqual([]);
    expect(
      rolloutIssues(
        [
          { version: 3, percentage: 33 },
          { version: 1, percentage: 67 },
        ],
        versions,
      ),
    ).toEqual([]);
  });

  it("names each offending entry", () => {
    expect(
      rolloutIssues(
        [
          { version: 4, percentage: 50 },
          { version: 1, percentage: 0 },
          { version: 1, percentage: 50.5 },
        ],
        versions,
        ["entries"],
      ),
    ).toEqual([
      {
        path: ["entries", "0", "version"],
        message: "version 4 is not a published version of the workflow (published: 1, 2, 3)",
      },
      { path: ["entries", "1", "percentage"], message: "percentage must be a whole number from 1 to 100" },
      { path: ["entries", "2", "version"], message: "version 1 is already listed at entry 1" },
      { path: ["entries", "2", "percentage"], message: "percentage must be a whole number from 1 to 100" },
    ]);
  });

  it("requires the sum to be 100 and at least one entry", () => {
    expect(
      rolloutIssues(
        [
          { version: 1, percentage: 40 },
          { version: 2, percentage: 40 },
        ],
        versions,
      ),
    ).toEqual([{ path: ["rollout"], message: "percentages must sum to 100 (they sum to 80)" }]);
    expect(rolloutIssues([], versions)).toEqual([{ path: ["rollout"], message: "needs at least one entry" }]);
    const many = Array.from({ length: 11 }, (_, i) => ({ version: 1 + (i % 3), percentage: 9 }));
    expect(rolloutIssues(many, versions)[0]).toEqual({
      path: ["rollout"],
      message: "has at most 10 entries",
    });
  });

  it("throws a ValidationError from assertValidRollout", () => {
    expect(() => assertValidRollout([{ version: 2, percentage: 99 }], versions)).toThrow(ValidationError);
    expect(() => assertValidRollout([{ version: 2, percentage: 100 }], versions)).not.toThrow();
  });
});
