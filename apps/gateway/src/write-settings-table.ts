import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { withSettingsTable } from "./settings-table.ts";

// Rewrites the settings table of docs/configuration.md from the settings schema.
const page = fileURLToPath(new URL("../../../docs/configuration.md", import.meta.url));
const before = readFileSync(page, "utf8");
const after = withSettingsTable(before);
writeFileSync(page, after);
console.log(
  after === before
    ? "docs/configuration.md settings table is up to date"
    : "docs/configuration.md settings table updated",
);
