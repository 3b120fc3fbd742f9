/**
 * The embedded database (PGlite) on a thread of its own, for a process that wants to start it before it
 * loads the rest of Flowgate (see `@flowgate/db`'s `EmbeddedDatabaseThread`). A subpath of its own, so that
 * importing it loads neither the engine nor Kysely; re-exported here because the gateway reaches the
 * database only through the engine.
 */
export { EmbeddedDatabaseThread } from "@flowgate/db/embedded-database-thread";
