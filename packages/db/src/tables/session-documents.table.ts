import type { CreatedAt, EnvironmentColumn } from "./common.ts";

/** Row of `session_documents`: an uploaded file of a session, bytes included. */
export interface SessionDocumentsTable {
  id: string;
  workspace_id: string;
  environment: EnvironmentColumn;
  session_id: string;
  step: string;
  kind: string;
  file_name: string | null;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Uint8Array;
  uploaded_via: string | null;
  created_at: CreatedAt;
}
