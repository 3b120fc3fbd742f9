import { makeExecute, type Plugin } from "@envelop/core";
import {
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  type Source,
  type SourceLocation,
  visit,
} from "graphql";
import { compileQuery, isCompiledQuery } from "graphql-jit";

/** A compiled operation, as the execute function of its executions. */
type Compiled = ReturnType<typeof makeExecute>;

/** The entry of an operation executed once, not compiled yet. */
const firstExecution = Symbol("first execution");

/**
 * Whether graphql-jit may compile the document. graphql-jit writes a document's literal arguments into
 * the JavaScript it generates, and there turns any string that starts with its marker for `Date` values
 * into code, so a client's string literal could run in the gateway. Values sent as variables are never
 * written into code. So a document with a string literal anywhere (arguments, directives, variable
 * defaults, JSON literals), or a name holding graphql-jit's markers (an enum value or object key in a JSON
 * literal), is left to Yoga's executor.
 */
function compilable(document: DocumentNode): boolean {
  let safe = true;
  visit(document, {
    StringValue: () => {
      safe = false;
      return BREAK;
    },
    Name: (node) => {
      if (!node.value.includes("__MAGIC_")) return undefined;
      safe = false;
      return BREAK;
    },
  });
  return safe;
}

/** The offset in `body` of a 1-based line and column. */
function offsetOf(body: string, { line, column }: SourceLocation): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = body.slice(offset).search(/\r\n|[\n\r]/);
    if (next === -1) break;
    offset += next + (body.startsWith("\r\n", offset + next) ? 2 : 1);
  }
  return offset + column - 1;
}

/**
 * A graphql-js error for an error of a compiled query: graphql-jit's errors carry `locations` but no AST
 * nodes or source positions, from which Yoga and the error masking rebuild every error they pass on, so
 * without these an error would lose its locations on the way to the client.
 */
function located(error: GraphQLError, source: Source | undefined): GraphQLError {
  if (!source || !error.locations?.length) return error;
  return new GraphQLError(error.message, {
    source,
    positions: error.locations.map((location) => offsetOf(source.body, location)),
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/**
 * Envelop plugin: runs queries with graphql-jit's compiled form of their operation, compiled at its second
 * execution (the first runs on Yoga's executor), once per schema, document and operation name, and kept as
 * long as the document is (Yoga's parser cache holds
 * parsed documents, bounded, keyed by their text, so a repeated query text is the same document). A
 * compiled query skips graphql-js's walk of the document at every request (field collection, argument
 * coercion, resolver lookup, result completion by type), most of the execution cost of a read such as
 * `run(id)`. Resolvers, and so scope checks, error results and the access log's notes, run as before.
 *
 * Left to Yoga's executor, as before: mutations (rare, and their cost is the write); subscriptions (under
 * graphql-jit 0.8.7 the subscription tests failed: `runProgress` got no `runId`); documents with string
 * literals or graphql-jit's markers (see {@link compilable}); documents graphql-jit refuses to compile
 * (Yoga's executor then answers with its own errors).
 */
export function useCompiledQueries(): Plugin {
  const compiledBySchema = new WeakMap<
    GraphQLSchema,
    WeakMap<DocumentNode, Map<string, Compiled | null | typeof firstExecution>>
  >();

  function compiled(args: ExecutionArgs): Compiled | null {
    let byDocument = compiledBySchema.get(args.schema);
    if (!byDocument) {
      byDocument = new WeakMap();
      compiledBySchema.set(args.schema, byDocument);
    }
    let byOperation = byDocument.get(args.document);
    if (!byOperation) {
      byOperation = new Map();
      byDocument.set(args.document, byOperation);
    }
    const name = args.operationName ?? "";
    let entry = byOperation.get(name);
    if (entry === undefined) {
      // A document's first execution runs on Yoga's executor: compiling costs more than one interpreted
      // execution, so a document that never comes back (one typed once in GraphiQL, say) does not pay for
      // it, nor does the process's first answer (cold start). Only a document that comes back is compiled.
      byOperation.set(name, firstExecution);
      return null;
    }
    if (entry === firstExecution) {
      entry = null;
      if (
        getOperationAST(args.document, args.operationName)?.operation === "query" &&
        compilable(args.document)
      ) {
        const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
        if (isCompiledQuery(result)) {
          const source = args.document.loc?.source;
          const withLocations = (answer: ExecutionResult): ExecutionResult =>
            answer.errors?.length
              ? { ...answer, errors: answer.errors.map((e) => located(e, source)) }
              : answer;
          entry = makeExecute((run) => {
            const answer = result.query(run.rootValue, run.contextValue, run.variableValues);
            return "then" in answer && typeof answer.then === "function"
              ? answer.then(withLocations)
              : withLocations(answer as ExecutionResult);
          });
        }
      }
      byOperation.set(name, entry);
    }
    return entry;
  }

  return {
    onExecute: ({ args, setExecuteFn }) => {
      const execute = compiled(args);
      if (execute) setExecuteFn(execute);
    },
  };
}
