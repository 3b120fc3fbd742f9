import type { ColumnType } from "kysely";
import type { CreatedAt, EnvironmentColumn } from "./common.ts";

/** Row of `entity_documents`: a file uploaded for an entity, its bytes and extracted text with it. */
export interface EntityDocumentsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  entity_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  page_count: number;
  /** The file itself. */
  content: Uint8Array;
  /** Extracted text, one string per page (JSON array). */
  text_pages: ColumnType<string[], string, string>;
  uploaded_by: string | null;
  created_at: CreatedAt;
}
