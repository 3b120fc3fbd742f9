import { testBackends } from "@flowgate/db/testing";
import fc from "fast-check";
import {
  buildClientSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  getIntrospectionQuery,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.ts";

/** Strings that broke the gateway before, among ordinary ones. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udc00y",
    "",
    " ",
    "ses_\u0000",
    "wfr_\ud800",
    "'; drop table x; --",
  ),
  fc.string().map((s) => `${s}\u0000`),
  fc.constantFrom("ses_x", "wfr_x", "wfl_x", "ent_x", "qnr_x", "rsp_x", "key_x", "ws_x", "wfd_x", "wfs_x"),
);

/** Any JSON, strings included the nasty ones. */
const nastyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    nastyString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(nastyString, tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** A value for `type`; nullable inputs are sometimes left out (null). */
function valueFor(type: GraphQLInputType, depth = 0, required = false): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return valueFor(type.ofType, depth, true);
  // A required value is always there (else GraphQL refuses the variables before any resolver runs).
  const nullable = (arb: fc.Arbitrary<unknown>) => (required ? arb : fc.option(arb, { freq: 4, nil: null }));
  if (isListType(type)) return nullable(fc.array(valueFor(type.ofType, depth + 1), { maxLength: 3 }));
  if (isEnumType(type)) return nullable(fc.constantFrom(...type.getValues().map((v) => v.name)));
  if (isInputObjectType(type)) {
    if (depth > 3 && !required) return fc.constant(null);
    const fields = Object.values(type.getFields());
    return nullable(fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, depth + 1)]))));
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "Int":
        return nullable(
          fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 1, 100)),
        );
      case "Float":
        return nullable(fc.double({ noNaN: true, noDefaultInfinity: true }));
      case "Boolean":
        return nullable(fc.boolean());
      case "JSON":
        return nullable(nastyJson);
      case "JSONObject":
        return nullable(fc.dictionary(nastyString, nastyJson, { maxKeys: 4 }));
      case "DateTime":
        return nullable(
          fc.oneof(
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            nastyString,
          ),
        );
      default:
        return nullable(nastyString);
    }
  }
  return fc.constant(null);
}

/** The operation calling `field` with every argument as a variable. */
function operation(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a: GraphQLArgument) => `$${a.name}: ${a.type.toString()}`).join(", ");
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
  const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
  return `${kind} Fuzz${vars ? `(${vars})` : ""} { ${field.name}${args ? `(${args})` : ""}${selection} }`;
}

/** Row counts of every table of the schema, in one statement. */
async function rowCounts(h: Harness, tables: string[]): Promise<Record<string, number>> {
  const query = tables.map((t) => `select '${t}' as name, count(*)::int as n from ${t}`).join(" union all ");
  const result = await sql.raw<{ name: string; n: number }>(query).execute(h.database.db);
  return Object.fromEntries(result.rows.map((r) => [r.name, Number(r.n)]));
}

describe.each(testBackends())("property-based fuzzing of every mutation and id argument (%s)", (backend) => {
  let h: Harness;
  let schema: GraphQLSchema;
  let tables: string[];

  beforeAll(async () => {
    h = await startHarness(backend);
    const introspection = await h.gql(h.acme.keys.sandbox, getIntrospectionQuery());
    schema = buildClientSchema(introspection.data);
    const listed = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'
        and table_name not like 'kysely_%' and table_name <> 'rate_limit_buckets'
    `.execute(h.database.db);
    tables = listed.rows.map((r) => r.name).sort();
  }, 120_000);
  afterAll(() => h?.close());

  it("never answers an unexpected error, and a refused mutation writes nothing", async () => {
    const targets = [
      ...Object.values(schema.getMutationType()?.getFields() ?? {}).map((f) => ({
        kind: "mutation" as const,
        f,
      })),
      ...Object.values(schema.getQueryType()?.getFields() ?? {})
        .filter((f) => f.args.some((a) => getNamedType(a.type).name === "ID"))
        .map((f) => ({ kind: "query" as const, f })),
    ];
    let cases = 0;
    const runsPerField = 8;
    for (const { kind, f } of targets) {
      const query = operation(kind, f);
      const variables = fc.record(Object.fromEntries(f.args.map((a) => [a.name, valueFor(a.type)])));
      await fc.assert(
        fc.asyncProperty(variables, async (vars) => {
          cases++;
          const before = kind === "mutation" ? await rowCounts(h, tables) : null;
          const answer = await h.gql(h.acme.keys.live, query, vars);
          for (const error of answer.errors ?? []) {
            expect(error.message, `${f.name} ${JSON.stringify(vars)}`).not.toMatch(/Unexpected error/);
            expect(error.extensions?.code, `${f.name} ${JSON.stringify(vars)}`).not.toBe(
              "INTERNAL_SERVER_ERROR",
            );
          }
          const result = answer.data?.[f.name] as { __typename?: string } | null | undefined;
          const refused = (answer.errors?.length ?? 0) > 0 || /Error$/.test(result?.__typename ?? "");
          if (before && refused) {
            expect(await rowCounts(h, tables), `${f.name} ${JSON.stringify(vars)}`).toEqual(before);
          }
        }),
        { numRuns: runsPerField, seed: 9 },
      );
    }
    console.log(`[fuzz ${backend}] ${cases} cases over ${targets.length} fields`);
    expect(cases).toBeGreaterThan(targets.length);
  }, 600_000);
});
