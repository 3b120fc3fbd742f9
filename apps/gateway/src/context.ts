import type { Db } from "@flowgate/db";
import type { ApiKey, NodeRun, Run, Session, Workflow } from "@flowgate/domain";
import type { Actor, Engine } from "@flowgate/engine";
import type DataLoader from "dataloader";

/** Per-request batch loaders; each is scoped to the caller's tenant. */
export interface Loaders {
  workflow: DataLoader<string, Workflow | undefined>;
  session: DataLoader<string, Session | undefined>;
  run: DataLoader<string, Run | undefined>;
  runOfSession: DataLoader<string, Run | undefined>;
  nodeRuns: DataLoader<string, NodeRun[]>;
}

/** The GraphQL context of an authenticated request or WebSocket connection. */
export interface GraphQLContext {
  db: Db;
  engine: Engine;
  apiKey: ApiKey;
  /** The caller as the engine records it: its key's tenant and id. */
  actor: Actor;
  loaders: Loaders;
}
