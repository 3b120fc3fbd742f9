import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type BundleManifest, bundleEntry, fileStamp, freshBundle } from "../src/bundle/process-bundle.ts";

describe("the process bundle's freshness", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A source file and a manifest that stamps it; returns both paths. */
  function built(content = "export const answer = 42;\n") {
    const dir = mkdtempSync(join(tmpdir(), "flowgate-bundle-test-"));
    dirs.push(dir);
    const source = join(dir, "source.ts");
    writeFileSync(source, content);
    const manifestFile = join(dir, "manifest.json");
    const stamp = fileStamp(source);
    if (!stamp) throw new Error("no stamp");
    const manifest: BundleManifest = { node: process.version, inputs: [stamp] };
    writeFileSync(manifestFile, JSON.stringify(manifest));
    return { source, manifestFile };
  }

  it("is used while every input is as built", () => {
    const { manifestFile } = built();
    expect(freshBundle({}, manifestFile)).toBe(bundleEntry);
  });

  it("is not used once a source changes, even at the same size", () => {
    const { source, manifestFile } = built();
    writeFileSync(source, "export const answer = 43;\n");
    expect(freshBundle({}, manifestFile)).toBeUndefined();
  });

  it("stays fresh when a source was only touched (a checkout), and is stale when one is gone", () => {
    const { source, manifestFile } = built();
    utimesSync(source, new Date(2001, 0, 1), new Date(2001, 0, 1));
    expect(freshBundle({}, manifestFile)).toBe(bundleEntry);
    rmSync(source);
    expect(freshBundle({}, manifestFile)).toBeUndefined();
  });

  it("is not used without a manifest, for another Node, or with FLOWGATE_BUNDLE=off", () => {
    const { manifestFile } = built();
    expect(freshBundle({ FLOWGATE_BUNDLE: "off" }, manifestFile)).toBeUndefined();
    expect(freshBundle({}, join(tmpdir(), "no-such-flowgate-manifest.json"))).toBeUndefined();
    writeFileSync(manifestFile, JSON.stringify({ node: "v0.0.0", inputs: [] }));
    expect(freshBundle({}, manifestFile)).toBeUndefined();
  });
});
