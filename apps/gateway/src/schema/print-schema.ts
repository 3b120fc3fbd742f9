import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeRecipientSchema } from "../recipient/print-schema.ts";
import { printSchemaSdl } from "./index.ts";

/** Where the generated SDL is checked in. */
export const schemaFile = fileURLToPath(new URL("../../schema.graphql", import.meta.url));

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(schemaFile, printSchemaSdl());
  console.log(`wrote ${schemaFile}`);
  writeRecipientSchema();
}
