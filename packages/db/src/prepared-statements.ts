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
 * The name of a text's prepared statement: a hash of the schema and the text, so that one name always
 * means one statement, whichever process or connection prepared it (a connection pooler that passes
 * named statements between server connections cannot bind a name to another text).
 */
function statementName(scope: string, text: string): string | null {
  let name = names.get(text);
  if (name !== undefined) return name;
  if (names.size >= maxNamedTexts) return null;
  name = preparable.test(text)
    ? `fg_${createHash("sha1").update(scope).update("\0").update(text).digest("base64url")}`
    : null;
  names.set(text, name);
  return name;
}

/**
 * A prepared statement the server no longer accepts: its tables' columns changed since it was prepared
 * (`0A000`, "cached plan must not change result type", raised before anything runs), or the server
 * connection does not have it (`26000`, e.g. behind a pooler that reset it) or has it already (`42P05`).
 */
function isStale(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "0A000" || code === "26000" || code === "42P05";
}

/**
 * A `pg` Client class whose parameterized `select`/`with`/`insert`/`update`/`delete` statements outside a
 * transaction run as named prepared statements: the server parses, analyses and (after a few executions,
 * when PostgreSQL finds its generic plan as good) plans each text once per connection instead of on every
 * request, which halves its work for a read such as `run(id)`. Statements in a transaction run unnamed,
 * as before, so that a statement the server refuses as stale can be retried: a stale one (see
 * {@link isStale}; nothing ran) runs again unnamed, and that text stays unnamed on the connection.
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
      if (
        typeof config !== "string" ||
        !Array.isArray(values) ||
        values.length === 0 ||
        callback !== undefined ||
        this.getTransactionStatus() !== "I"
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
          if (!isStale(error)) throw error;
          this.#refused.add(name);
          return super.query(config, values);
        },
      );
    }
  }
  return PreparingClient;
}
