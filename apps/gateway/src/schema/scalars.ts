import { GraphQLError } from "graphql";
import { DateTimeResolver, JSONObjectResolver, JSONResolver } from "graphql-scalars";
import { builder } from "../builder.ts";

builder.addScalarType("DateTime", DateTimeResolver, { subGraphs: ["Api", "Recipient"] });
builder.addScalarType("JSON", JSONResolver, { subGraphs: ["Api", "Recipient"] });
builder.addScalarType("JSONObject", JSONObjectResolver);

builder.scalarType("File", {
  description:
    "A file uploaded with the GraphQL multipart request spec (a `multipart/form-data` POST with `operations`, `map` and the file parts). Input only.",
  subGraphs: ["Api", "Recipient"],
  serialize: () => {
    throw new GraphQLError("File is an input-only scalar");
  },
  parseValue: (value) => {
    // Yoga's multipart parser gives a `File` of its fetch implementation, not necessarily the global one.
    if (isFileLike(value)) return value as File;
    throw new GraphQLError("Expected a file uploaded as a multipart form part", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  },
});

function isFileLike(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { arrayBuffer?: unknown }).arrayBuffer === "function" &&
    typeof (value as { name?: unknown }).name === "string"
  );
}
