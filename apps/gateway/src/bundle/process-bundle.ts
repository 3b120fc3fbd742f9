/**
 * The process bundle: `flowgate-process.ts` and what it imports, built into a few files by
 * `build-process-bundle.ts` (`pnpm --filter @flowgate/gateway bundle`, run by `tooling/flowgate start`).
 * Loading ~1,500 modules one by one (resolving, reading, linking each) was most of a cold start's main-thread
 * time; the bundle is a handful of files. `main.ts` runs it only while it is fresh — every source file it was
 * built from unchanged (same size and modification time, or else same content) and the same Node and
 * lockfile — and otherwise runs the sources, so an edited checkout never runs stale code.
 *
 * This module imports only Node built-ins: `main.ts` loads it before anything else.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the bundle is written (ignored by git): `apps/gateway/.bundle/`. */
export const bundleDir = fileURLToPath(new URL("../../.bundle", import.meta.url));

/** The bundle's entry module (an ES module importing its chunks). */
export const bundleEntry = join(bundleDir, "flowgate-process.mjs");

/** The bundle's record of what it was built from. */
export const bundleManifest = join(bundleDir, "manifest.json");

/** What a bundle was built from: the Node version and each input file's size and modification time. */
export interface BundleManifest {
  node: string;
  /**
   * `[absolute path, size in bytes, mtime in ms, SHA-256 of the content]` of every workspace source in the
   * bundle, and of the lockfile.
   */
  inputs: FileStamp[];
}

/** A file as the bundle saw it: path, size, modification time (ms) and content hash. */
export type FileStamp = [path: string, size: number, mtimeMs: number, sha256: string];

/** The file's stamp, or undefined when it is missing. */
export function fileStamp(path: string): FileStamp | undefined {
  try {
    const stats = statSync(path);
    return [path, stats.size, Math.trunc(stats.mtimeMs), contentHash(path)];
  } catch {
    return undefined;
  }
}

function contentHash(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Whether the file is as stamped: same size and modification time, or (a checkout touches files without
 * changing them) same content.
 */
function unchanged([path, size, mtimeMs, sha256]: FileStamp): boolean {
  try {
    const stats = statSync(path);
    if (stats.size !== size) return false;
    return Math.trunc(stats.mtimeMs) === mtimeMs || contentHash(path) === sha256;
  } catch {
    return false;
  }
}

/**
 * The bundle's entry when a bundle exists and every input it was built from is unchanged, else undefined.
 * `FLOWGATE_BUNDLE=off` always answers undefined (run the sources).
 *
 * @param manifestFile - The manifest to check (tests give their own).
 */
export function freshBundle(
  env: NodeJS.ProcessEnv = process.env,
  manifestFile: string = bundleManifest,
): string | undefined {
  if (env.FLOWGATE_BUNDLE === "off") return undefined;
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as BundleManifest;
  } catch {
    return undefined;
  }
  if (manifest.node !== process.version || manifest.inputs.length === 0) return undefined;
  return manifest.inputs.every(unchanged) ? bundleEntry : undefined;
}
