export {
  type AnyDocument,
  type Credential,
  FlowgateClient,
  type FlowgateClientOptions,
  type SubscriptionHandlers,
  type VariablesArgument,
  type VariablesFactory,
} from "./client.ts";
export {
  type GraphQLErrorEntry,
  GraphQLRequestError,
  isGraphQLRequestError,
  type LinkRefusalCode,
  linkRefusalCode,
  SubscriptionError,
} from "./errors.ts";
export {
  type FlowgateScalars,
  type FragmentOf,
  graphql,
  type ResultOf,
  readFragment,
  recipientGraphql,
  type TadaDocumentNode,
  type VariablesOf,
} from "./graphql.ts";
export { createRecipientClient } from "./recipient.ts";
export {
  type RunProgressEvent,
  type RunProgressOptions,
  RunProgressSubscription,
  type RunProgressSubscriptionHandle,
  subscribeRunProgress,
} from "./run-progress.ts";
