/**
 * The process bundle: `flowgate-process.ts` and what it imports, built into a few files by
 * `build-process-bundle.ts` (`pnpm --filter @flowgate/gateway bundle`, run by `tooling/flowgate start`).
 * Loading ~1,500 modules one by one (resolving, reading, linking each) was most of a cold start's main-thread
 * time; the bundle is a handful of files. `main.ts` runs it only while it is fresh — every source file it was
 * built from unchanged (size and modification time) and the same Node and lockfile — and otherwise runs the
 * sources, so an edited checkout never runs stale code.
 *
 * This module imports nothing but `node:fs` and `node:path`: `main.ts` loads it before anything else.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/** Where the bundle is written (ignored by git): `apps/gateway/.bundle/`. */
export const bundleDir = join(dirname(dirname(dirname(new URL(import.meta.url).pathname))), ".bundle");

/** The bundle's entry module (an ES module importing its chunks). */
export const bundleEntry = join(bundleDir, "flowgate-process.mjs");

/** The bundle's record of what it was built from. */
export const bundleManifest = join(bundleDir, "manifest.json");

/** What a bundle was built from: the Node version and each input file's size and modification time. */
export interface BundleManifest {
  node: string;
  /** `[absolute path, size in bytes, mtime in ms]` of every workspace source in the bundle, and the lockfile. */
  inputs: [string, number, number][];
}

/** The file's `[path, size, mtime]`, or undefined when it is missing. */
export function fileStamp(path: string): [string, number, number] | undefined {
  try {
    const stats = statSync(path);
    return [path, stats.size, Math.trunc(stats.mtimeMs)];
  } catch {
    return undefined;
  }
}

/**
 * The bundle's entry when a bundle exists and every input it was built from is unchanged, else undefined.
 * `FLOWGATE_BUNDLE=off` always answers undefined (run the sources).
 */
export function freshBundle(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FLOWGATE_BUNDLE === "off") return undefined;
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(bundleManifest, "utf8")) as BundleManifest;
  } catch {
    return undefined;
  }
  if (manifest.node !== process.version || manifest.inputs.length === 0) return undefined;
  for (const [path, size, mtime] of manifest.inputs) {
    const stamp = fileStamp(path);
    if (!stamp || stamp[1] !== size || stamp[2] !== mtime) return undefined;
  }
  return bundleEntry;
}
