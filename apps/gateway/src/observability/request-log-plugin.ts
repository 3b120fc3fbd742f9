import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../context.ts";
import { requestContext } from "./request-context.ts";

/**
 * Fills the request's {@link RequestLog} with what only GraphQL knows: the operation's name and type, the
 * authenticated key's id, and how many errors the result carried. The line itself is written by the HTTP
 * server when the response ends. Variables and results are never recorded.
 */
export function useRequestLog(): Plugin<Record<string, unknown>, GraphQLContext> {
  return {
    onParams: ({ params }) => {
      // Known before parsing, so a request refused by validation still names its operation.
      const log = requestContext.getStore();
      if (log && params.operationName) log.operationName = params.operationName;
    },
    onContextBuilding:
      () =>
      ({ context }) => {
        const log = requestContext.getStore();
        const keyId = (context as Partial<GraphQLContext>).actor?.keyId;
        if (log && keyId) log.keyId = keyId;
      },
    onExecute: ({ args }) => {
      note(args.document, args.operationName);
      return {
        onExecuteDone: ({ result }) => {
          const log = requestContext.getStore();
          if (log && "errors" in result && result.errors) log.graphqlErrors = result.errors.length;
        },
      };
    },
    onSubscribe: ({ args }) => {
      note(args.document, args.operationName);
    },
  };
}

function note(document: Parameters<typeof getOperationAST>[0], operationName: string | null | undefined) {
  const log = requestContext.getStore();
  if (!log) return;
  const operation = getOperationAST(document, operationName);
  log.operationName = operation?.name?.value ?? operationName ?? "anonymous";
  if (operation) log.operationType = operation.operation;
}
