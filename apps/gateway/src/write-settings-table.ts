import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { withSettingsTable } from "./settings-table.ts";

// Rewrites the settings table of the repository's README from the settings schema.
const readme = fileURLToPath(new URL("../../../README.md", import.meta.url));
const before = readFileSync(readme, "utf8");
const after = withSettingsTable(before);
writeFileSync(readme, after);
console.log(after === before ? "README.md settings table is up to date" : "README.md settings table updated");
