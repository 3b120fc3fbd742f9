/**
 * Builds the process bundle (see `process-bundle.ts`) with Rolldown: `pnpm --filter @flowgate/gateway bundle`
 * (nothing to do while the bundle is fresh; `-- --force` rebuilds it anyway).
 *
 * Workspace sources and most packages are bundled; packages that find files beside their own modules at run
 * time (PGlite's WebAssembly, pdfkit's fonts, pdf.js, pino's workers) or load only on demand stay outside,
 * imported by absolute path as resolved here. A workspace module's `import.meta.url` keeps its source's URL,
 * so what it resolves from it (the embedded database's thread, `createRequire` of on-demand packages) is what
 * the sources resolve.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BundleManifest, bundleDir, bundleManifest, fileStamp, freshBundle } from "./process-bundle.ts";

/** Packages kept out of the bundle (see above); their subpaths too. */
const outside = [
  "@electric-sql/pglite",
  "pdfkit",
  "unpdf",
  "file-type",
  "fflate",
  "pino",
  "pg",
  "ajv",
  "ioredis",
  "nodemailer",
  "undici",
  "@opentelemetry/",
];
const isOutside = (specifier: string) =>
  outside.some((name) => specifier === name || specifier.startsWith(name.endsWith("/") ? name : `${name}/`));

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const entry = fileURLToPath(new URL("../flowgate-process.ts", import.meta.url));
const isWorkspaceSource = (id: string) => id.startsWith(root) && !id.includes("/node_modules/");

if (!process.argv.includes("--force") && freshBundle()) {
  console.log(`process bundle: up to date (${bundleDir})`);
  process.exit(0);
}
const { build } = await import("rolldown");
rmSync(bundleDir, { recursive: true, force: true });
const output = await build({
  input: entry,
  platform: "node",
  resolve: { conditionNames: ["source", "node", "import", "default"] },
  logLevel: "warn",
  plugins: [
    {
      name: "flowgate-outside",
      async resolveId(source, importer) {
        if (!isOutside(source)) return null;
        const resolved = await this.resolve(source, importer, { skipSelf: true });
        if (!resolved) return null;
        return { id: resolved.id, external: "absolute" };
      },
      transform(code, id) {
        if (!isWorkspaceSource(id) || !code.includes("import.meta.url")) return null;
        return code.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(id).href));
      },
    },
  ],
  output: {
    dir: bundleDir,
    format: "esm",
    entryFileNames: "[name].mjs",
    chunkFileNames: "[name]-[hash].mjs",
  },
});

const inputs = new Set<string>([join(root, "pnpm-lock.yaml")]);
for (const chunk of output.output) {
  if (chunk.type !== "chunk") continue;
  for (const id of chunk.moduleIds) if (isWorkspaceSource(id)) inputs.add(id);
}
const manifest: BundleManifest = {
  node: process.version,
  inputs: [...inputs].map((path) => fileStamp(path)).filter((stamp) => stamp !== undefined),
};
writeFileSync(bundleManifest, `${JSON.stringify(manifest)}\n`);
console.log(`process bundle: ${inputs.size - 1} workspace sources → ${bundleDir}`);
