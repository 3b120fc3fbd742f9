import { Application, provisionWorkspace } from "@flowgate/application";
import { createDatabase, migrateToLatest } from "@flowgate/db";
import { Engine } from "@flowgate/engine";
import pg from "pg";
import { gql, mapLimit } from "./graphql-http.ts";
import { createSchema, dropSchema, scratchSchemaName } from "./postgres.ts";
import { type FlowgateProcess, startFlowgate } from "./processes.ts";
import { sleep } from "./stats.ts";

/** The 5-node automatic graph: start → document → aml → rule → terminal (two policy checks, one rule). */
export const fiveNodeGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "document" },
    { id: "document", type: "policy", policy: "document", routes: { pass: "aml", fail: "rejected" } },
    { id: "aml", type: "policy", policy: "aml_screening", routes: { pass: "rule", fail: "rejected" } },
    {
      id: "rule",
      type: "conditional",
      conditions: [{ field: "aml.output.score", operator: ">=", value: 80, next: "rejected" }],
      default: "approved",
    },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

/** An external gate first: start → gate → after (a policy check) → terminal. */
export const gateGraph = {
  entry: "start",
  nodes: [
    { id: "start", type: "start", next: "gate" },
    { id: "gate", type: "wait", on_continue: "after" },
    { id: "after", type: "policy", policy: "document", routes: { pass: "approved", fail: "rejected" } },
    { id: "approved", type: "terminal", outcome: "approved" },
    { id: "rejected", type: "terminal", outcome: "rejected" },
  ],
};

export const CREATE_WORKFLOW = /* GraphQL */ `
  mutation ($name: String!, $graph: JSON!) {
    createWorkflow(name: $name, graph: $graph) {
      __typename
      ... on Workflow { id }
      ... on Error { message }
    }
  }`;

export const CREATE_SESSION = /* GraphQL */ `
  mutation ($workflowId: ID) {
    createSession(workflowId: $workflowId) {
      __typename
      ... on Session { id }
      ... on Error { message }
    }
  }`;

export const SUBMIT_SESSION = /* GraphQL */ `
  mutation ($sessionId: ID!) {
    submitSession(sessionId: $sessionId) {
      __typename
      ... on SubmitSessionPayload { run { id } }
      ... on Error { message }
    }
  }`;

export const DECIDE = /* GraphQL */ `
  mutation ($sessionId: ID!) {
    submitExternalDecision(sessionId: $sessionId, decision: continue) {
      __typename
      ... on ExternalDecisionPayload { status }
      ... on Error { message }
    }
  }`;

export const RUN_PROGRESS = /* GraphQL */ `
  subscription ($runId: ID!, $afterSeq: Int) {
    runProgress(runId: $runId, afterSeq: $afterSeq) { seq type createdAt data }
  }`;

/** Throws unless a mutation's result is the expected union member. */
export function expectType<T extends { __typename: string }>(result: T, typename: string): T {
  if (result.__typename !== typename) {
    throw new Error(`expected ${typename}, got ${result.__typename}: ${JSON.stringify(result)}`);
  }
  return result;
}

/**
 * A Flowgate deployment on a scratch schema of the benchmark's PostgreSQL: migrated, with one workspace
 * and its sandbox API key; gateway and worker processes are started from Flowgate's `main.ts` with the
 * PostgreSQL event bus. `close` stops the processes and drops the schema.
 */
export class FlowgateDeployment {
  readonly url: string;
  readonly schema: string;
  readonly apiKey: string;
  readonly workspaceId: string;
  /** A small pool on the schema, for the benchmark's own polling and bulk seeding. */
  readonly pool: pg.Pool;
  readonly processes: FlowgateProcess[] = [];

  private constructor(url: string, schema: string, apiKey: string, workspaceId: string) {
    this.url = url;
    this.schema = schema;
    this.apiKey = apiKey;
    this.workspaceId = workspaceId;
    this.pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  }

  /** Creates the schema, migrates it and provisions a workspace. */
  static async create(url: string, prefix: string): Promise<FlowgateDeployment> {
    const schema = scratchSchemaName(prefix);
    await createSchema(url, schema);
    const database = createDatabase({ url, schema, poolSize: 2 });
    try {
      await migrateToLatest(database.db, schema);
      const app = new Application({ engine: new Engine({ db: database.db, worker: false }) });
      const ws = await provisionWorkspace(app, { organizationName: "bench", workspaceName: "bench" });
      return new FlowgateDeployment(url, schema, ws.keys.sandbox, ws.workspaceId);
    } catch (error) {
      await dropSchema(url, schema);
      throw error;
    } finally {
      await database.close();
    }
  }

  /**
   * The environment of a process joining this deployment. The per-key rate limit stays on (its check is
   * part of every measured request) but is raised far above what one benchmark client can send, so a
   * load test measures the read path and not the 429 answer.
   */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.url,
      FLOWGATE_DB_SCHEMA: this.schema,
      FLOWGATE_EVENT_BUS: "postgres",
      FLOWGATE_RATE_LIMIT_PER_SECOND: "1000000",
      FLOWGATE_RATE_LIMIT_BURST: "1000000",
      ...extra,
    };
  }

  /** Starts a gateway or worker process on this deployment; it is stopped by `close`. */
  async start(role: "gateway" | "worker", extra: Record<string, string> = {}): Promise<FlowgateProcess> {
    const started = await startFlowgate(role, this.env(extra));
    this.processes.push(started);
    return started;
  }

  /** Stops one process started by `start`. */
  async stop(process: FlowgateProcess): Promise<void> {
    await process.stop();
    this.processes.splice(this.processes.indexOf(process), 1);
  }

  /** One value from a query on the schema. */
  async scalar(text: string, values: unknown[] = []): Promise<number> {
    const { rows } = await this.pool.query<{ v: string | number }>(text, values);
    return Number(rows[0]?.v);
  }

  /** Polls `probe` every `intervalMs` until it is true; throws after `timeoutMs` or when a process died. */
  async until(
    probe: () => Promise<boolean>,
    timeoutMs: number,
    what: string,
    intervalMs = 20,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await probe()) return;
      const dead = this.processes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (dead) {
        const status = dead.child.exitCode ?? dead.child.signalCode;
        throw new Error(
          `${dead.role} process exited (${status}) while waiting for ${what}:\n${dead.output()}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  /** Creates a workflow over GraphQL and returns its id. */
  async createWorkflow(gateway: string, name: string, graph: unknown): Promise<string> {
    const data = await gql(gateway, this.apiKey, CREATE_WORKFLOW, { name, graph });
    return expectType(data.createWorkflow, "Workflow").id as string;
  }

  /** Creates a session of `workflowId` and submits it over GraphQL (the run starts); returns both ids. */
  async startRun(gateway: string, workflowId: string): Promise<{ sessionId: string; runId: string }> {
    const session = await gql(gateway, this.apiKey, CREATE_SESSION, { workflowId });
    const sessionId = expectType(session.createSession, "Session").id as string;
    const submitted = await gql(gateway, this.apiKey, SUBMIT_SESSION, { sessionId });
    return { sessionId, runId: expectType(submitted.submitSession, "SubmitSessionPayload").run.id as string };
  }

  /** Starts `count` runs with a few requests in flight. */
  startRuns(
    gateway: string,
    workflowId: string,
    count: number,
  ): Promise<{ sessionId: string; runId: string }[]> {
    return mapLimit(
      Array.from({ length: count }, (_, i) => i),
      8,
      () => this.startRun(gateway, workflowId),
    );
  }

  /** Stops every process, closes the pool and drops the schema. */
  async close(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((p) => p.stop()));
    await this.pool.end();
    await dropSchema(this.url, this.schema);
  }
}
