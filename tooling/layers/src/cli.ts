// `pnpm --filter @flowgate/layers check`: prints every broken layer rule of the repository, exit 1 if any.
import { fileURLToPath } from "node:url";
import { checkLayers } from "./check-layers.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const violations = checkLayers(root);
for (const violation of violations) console.error(`${violation.file}: ${violation.message}`);
console.log(violations.length === 0 ? "layers: ok" : `layers: ${violations.length} violation(s)`);
process.exitCode = violations.length === 0 ? 0 : 1;
