import { DateTimeResolver, JSONObjectResolver, JSONResolver } from "graphql-scalars";
import { builder } from "../builder.ts";

builder.addScalarType("DateTime", DateTimeResolver, { subGraphs: ["Api", "Recipient"] });
builder.addScalarType("JSON", JSONResolver, { subGraphs: ["Api", "Recipient"] });
builder.addScalarType("JSONObject", JSONObjectResolver);
