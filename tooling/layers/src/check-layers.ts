import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { adapterSourceRules, type LayerName, layers, outsideLayers } from "./layers.ts";

/** One broken rule: where and what. */
export interface LayerViolation {
  /** The file, relative to the repository root. */
  file: string;
  message: string;
}

/** `import … from "x"`, `export … from "x"`, `import("x")` and `import "x"`. */
const importPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

function rank(name: string): number {
  return layers.findIndex((layer) => layer.name === name);
}

/** Whether `user` may depend on `name`, a package outside the layers; undefined for a layer. */
function mayUseOutsider(user: LayerName, name: string): boolean | undefined {
  const rule = outsideLayers[name];
  if (!rule) return rank(name) < 0 ? false : undefined;
  return rule.usableBy === "all" || rule.usableBy.includes(user);
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === "node_modules" || entry.startsWith(".")) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(entry) ? [path] : [];
  });
}

/** The `@flowgate/…` package an import specifier names (`@flowgate/db/testing` → `@flowgate/db`). */
function packageOf(specifier: string): string | null {
  const match = /^(@flowgate\/[^/]+)/.exec(specifier);
  return match?.[1] ?? null;
}

/**
 * Checks the repository at `root` against the layer rules: each layered package's `package.json`
 * depends only on lower layers; its sources and tests import only lower layers and never reach into
 * another package by a relative path; adapters' sources avoid what {@link adapterSourceRules} forbids.
 *
 * @param root - The repository root.
 * @returns Every violation found (none when the layering holds).
 */
export function checkLayers(root: string): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const layer of layers) {
    const own = rank(layer.name);
    const dir = join(root, layer.path);
    const manifestPath = join(dir, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
      if (!dependency.startsWith("@flowgate/")) continue;
      const outsider = mayUseOutsider(layer.name, dependency);
      if (outsider === true) continue;
      if (outsider === false || rank(dependency) >= own) {
        violations.push({
          file: relative(root, manifestPath),
          message: `${layer.name} depends on ${dependency}, which is not a lower layer`,
        });
      }
    }
    const forbidden = adapterSourceRules[layer.name]?.forbidden ?? [];
    for (const folder of ["src", "test"]) {
      for (const file of sourceFiles(join(dir, folder))) {
        const text = readFileSync(file, "utf8");
        for (const match of text.matchAll(importPattern)) {
          const specifier = match[1] ?? "";
          const where = relative(root, file);
          if (specifier.startsWith(".")) {
            const target = resolve(file, "..", specifier);
            if (!target.startsWith(dir)) {
              violations.push({ file: where, message: `reaches outside ${layer.path} with "${specifier}"` });
            }
            continue;
          }
          const imported = packageOf(specifier);
          if (!imported || imported === layer.name) continue;
          const outsider = mayUseOutsider(layer.name, imported);
          if (outsider === true) continue;
          const other = rank(imported);
          if (outsider === false || other >= own) {
            violations.push({ file: where, message: `${layer.name} imports ${imported}, not a lower layer` });
          } else if (folder === "src" && forbidden.includes(imported as LayerName)) {
            violations.push({
              file: where,
              message: `${layer.name} sources import ${imported}; adapters go through @flowgate/application`,
            });
          }
        }
      }
    }
  }
  return violations;
}
