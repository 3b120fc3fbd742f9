import type { ColumnType, Generated } from "kysely";

/** A `timestamptz` column with a database default. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** A nullable `timestamptz` column. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A `jsonb` column holding an object. */
export type JsonObject = ColumnType<
  Record<string, unknown>,
  string | Record<string, unknown>,
  string | Record<string, unknown>
>;
/** A `jsonb` column with a database default. */
export type JsonObjectDefault = ColumnType<
  Record<string, unknown>,
  string | Record<string, unknown> | undefined,
  string | Record<string, unknown>
>;
/** `live` or `sandbox`. */
export type EnvironmentColumn = "live" | "sandbox";
export type { Generated };
