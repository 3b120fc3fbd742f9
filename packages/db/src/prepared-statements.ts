import { createHash } from "node:crypto";
import type pg from "pg";

/**
 * Most statement texts one process gives a name; a text first seen beyond this runs unnamed (as before).
 * The texts are Kysely's compiled SQL, a few hundred distinct ones in practice (an `in (…)` list of each
 * length is one).
 */
const maxNamedTexts = 2000;

/**
 * Most statements one connection prepares: each holds a plan in its server process until the connection
 * closes (`pg` never deallocates them), so their memory is bounded per connection. Texts beyond it run
 * unnamed on that connection.
 */
export const maxPreparedStatementsPerConnection = 200;

/** Kysely's compiled queries: planned statements worth keeping (no utility or transaction statements). */
const preparable = /^(?:select|with|insert|update|delete)\s/i;

/** Statement text → name (null when the text is not prepared). */
const names = new Map<string, string | null>();

/**
 * Bumped when a prepared statement met a changed table (see {@link isStalePlan}): every name is derived
 * anew, so each connection prepares its statements again against the tables as they now are.
 */
let generation = 0;

/**
 * Set when the server connection did not have a statement its client prepared, or had it already: a
 * connection pooler passes statements between server connections. The process then prepares nothing.
 */
let behindPooler = false;

/**
 * The name of a text's prepared statement: a hash of the schema, the generation and the text, so that one
 * name always means one statement, whichever process or connection prepared it (a connection pooler that
 * passes named statements between server connections cannot bind a name to another text).
 */
function statementName(scope: string, text: string): string | null {
  if (behindPooler) return null;
  let name = names.get(text);
  if (name !== undefined) return name;
  if (names.size >= maxNamedTexts) return null;
  name = preparable.test(text)
    ? `fg_${createHash("sha1").update(scope).update(`\0${generation}\0`).update(text).digest("base64url")}`
    : null;
  names.set(text, name);
  return name;
}

/**
 * A prepared statement whose tables' columns changed since it was prepared: PostgreSQL re-plans it but
 * refuses a new result type (`0A000`, raised before anything runs).
 */
function isStalePlan(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "0A000" && typeof message === "string" && message.includes("cached plan must not change");
}

/**
 * The server connection does not have the statement (`26000`) or has it already (`42P05`): a pooler
 * resets or swaps server connections under the client.
 */
function isPoolerMismatch(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "26000" || code === "42P05";
}

/**
 * A `pg` Client class whose parameterized `select`/`with`/`insert`/`update`/`delete` statements run as
 * named prepared statements: the server parses, analyses and (after a few executions, when PostgreSQL
 * finds its generic plan as good) plans each text once per connection instead of at every execution,
 * which halves its work for a read such as `run(id)` and takes about a fifth off a run step's.
 *
 * A statement the server refuses as stale (nothing ran):
 * - outside a transaction runs again unnamed, and that text stays unnamed on the connection;
 * - in a transaction fails it (PostgreSQL has aborted it), as any statement error does: the caller's
 *   retry (a job's next attempt, a client's retry) runs it again.
 *
 * Either way the process reacts once for all its connections: a changed table (a migration applied
 * while it runs) renews every name, so the statements are prepared again against the new tables and at
 * most the transactions in flight at that moment fail; a connection pooler in the way turns preparing off
 * (`preparedStatements: false` is the setting for one).
 *
 * @param Base - The `pg` Client class to extend.
 * @param scope - What else decides a statement's meaning besides its text: the connection's schema.
 */
export function preparingClient(Base: typeof pg.Client, scope: string): typeof pg.Client {
  class PreparingClient extends Base {
    readonly #prepared = new Set<string>();
    readonly #refused = new Set<string>();

    // pg types `query` as a dozen overloads; this override passes every call it does not prepare through.
    override query(config: any, values?: any, callback?: any): any {
      const status = this.getTransactionStatus();
      if (
        typeof config !== "string" ||
        !Array.isArray(values) ||
        values.length === 0 ||
        callback !== undefined ||
        (status !== "I" && status !== "T")
      ) {
        return super.query(config, values, callback);
      }
      const name = statementName(scope, config);
      if (
        name === null ||
        this.#refused.has(name) ||
        (!this.#prepared.has(name) && this.#prepared.size >= maxPreparedStatementsPerConnection)
      ) {
        return super.query(config, values);
      }
      this.#prepared.add(name);
      return (super.query({ name, text: config, values }) as Promise<pg.QueryResult>).catch(
        (error: unknown) => {
          if (isStalePlan(error)) {
            if (names.get(config) === name) {
              generation++;
              names.clear();
            }
          } else if (isPoolerMismatch(error)) {
            behindPooler = true;
          } else {
            throw error;
          }
          if (status === "T") throw error;
          this.#refused.add(name);
          return super.query(config, values);
        },
      );
    }
  }
  return PreparingClient;
}
