import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printRecipientSchemaSdl } from "./schema.ts";

/** Where the recipient schema's generated SDL is checked in. */
export const recipientSchemaFile = fileURLToPath(new URL("../../recipient-schema.graphql", import.meta.url));

/** Writes the recipient schema's SDL to {@link recipientSchemaFile}. */
export function writeRecipientSchema(): void {
  writeFileSync(recipientSchemaFile, printRecipientSchemaSdl());
  console.log(`wrote ${recipientSchemaFile}`);
}

if (import.meta.url === `file://${process.argv[1]}`) writeRecipientSchema();
