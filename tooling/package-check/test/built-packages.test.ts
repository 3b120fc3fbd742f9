import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** One export of a library: `{ source, types, default }`, as docs/packages.md describes. */
interface ExportEntry {
  source: string;
  types: string;
  default: string;
}

interface Library {
  name: string;
  dir: string;
  exports: Record<string, ExportEntry>;
}

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const packagesDir = join(root, "packages");
const libraries: Library[] = readdirSync(packagesDir)
  .map((name) => join(packagesDir, name))
  .filter((dir) => existsSync(join(dir, "package.json")))
  .map((dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    return { name: manifest.name, dir, exports: manifest.exports ?? {} };
  });
const ownManifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const specifiers = libraries.flatMap((library) =>
  Object.keys(library.exports).map((subpath) => `${library.name}${subpath.slice(1)}`),
);

/** A consumer project outside the repository: node_modules links to the libraries, nothing else. */
let consumer: string;

beforeAll(() => {
  consumer = mkdtempSync(join(tmpdir(), "flowgate-consumer-"));
  mkdirSync(join(consumer, "node_modules", "@flowgate"), { recursive: true });
  mkdirSync(join(consumer, "node_modules", "@types"), { recursive: true });
  for (const library of libraries) {
    symlinkSync(library.dir, join(consumer, "node_modules", library.name), "dir");
  }
  const typesNode = dirname(require.resolve("@types/node/package.json"));
  symlinkSync(typesNode, join(consumer, "node_modules", "@types", "node"), "dir");
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ type: "module" }));
});

afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

describe("built packages, as a consumer outside the workspace sees them", () => {
  it("every library is checked here (listed as a devDependency, so turbo builds it first)", () => {
    expect(libraries.length).toBeGreaterThanOrEqual(3);
    for (const library of libraries) expect(Object.keys(ownManifest.devDependencies)).toContain(library.name);
  });

  it.each(libraries)(
    "$name exports source, types and default for every entry, and the built files exist",
    (library) => {
      expect(Object.keys(library.exports).length).toBeGreaterThan(0);
      for (const entry of Object.values(library.exports)) {
        expect(Object.keys(entry)).toEqual(["source", "types", "default"]);
        expect(entry.source).toMatch(/^\.\/src\/.*\.ts$/);
        expect(entry.types).toMatch(/^\.\/dist\/.*\.d\.ts$/);
        expect(entry.default).toMatch(/^\.\/dist\/.*\.js$/);
        for (const file of Object.values(entry)) expect(existsSync(join(library.dir, file)), file).toBe(true);
      }
    },
  );

  it("plain Node (no source condition) imports every entry from dist/", () => {
    const script = specifiers.map(
      (specifier, index) =>
        `const m${index} = await import(${JSON.stringify(specifier)});\n` +
        `console.log(JSON.stringify([${JSON.stringify(specifier)}, Object.keys(m${index}).length, import.meta.resolve(${JSON.stringify(specifier)})]));`,
    );
    writeFileSync(join(consumer, "consumer.mjs"), script.join("\n"));
    const output = execFileSync(process.execPath, ["consumer.mjs"], {
      cwd: consumer,
      env: { ...process.env, NODE_OPTIONS: "" },
      encoding: "utf8",
    });
    const loaded = output
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as [string, number, string]);
    expect(loaded.map(([specifier]) => specifier)).toEqual(specifiers);
    for (const [, exported, resolved] of loaded) {
      expect(exported).toBeGreaterThan(0);
      expect(resolved).toMatch(/\/dist\/.*\.js$/);
    }
  });

  it("TypeScript resolves every entry to its .d.ts files and type-checks them (skipLibCheck off)", () => {
    const source = specifiers.map(
      (specifier, index) =>
        `import * as m${index} from ${JSON.stringify(specifier)};\nexport const e${index}: object = m${index};`,
    );
    writeFileSync(join(consumer, "consumer.ts"), source.join("\n"));
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2023",
          lib: ["ES2023"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ["node"],
        },
        files: ["consumer.ts"],
      }),
    );
    const tsc = require.resolve("typescript/bin/tsc");
    let files: string[];
    try {
      files = execFileSync(process.execPath, [tsc, "-p", consumer, "--listFiles"], { encoding: "utf8" })
        .trim()
        .split("\n");
    } catch (error) {
      throw new Error(`tsc failed:\n${(error as { stdout?: string }).stdout ?? error}`);
    }
    for (const library of libraries) {
      const own = files.filter((file) => file.startsWith(`${library.dir}/`));
      expect(own.length, library.name).toBeGreaterThan(0);
      for (const file of own) expect(file).toMatch(/\/dist\/.*\.d\.ts$/);
    }
  });
});
