/**
 * Outbound HTTP for everything Flowgate calls on a workspace's behalf (http tasks, webhook deliveries,
 * LLM autofill providers): one guarded dispatcher, one request function with timeouts and a body cap.
 */
export {
  type AddressClass,
  classifyIpAddress,
  isAllowedAddress,
  isLocalHostname,
} from "./address-policy.ts";
export {
  createGuardedDispatcher,
  type DestinationPolicy,
  DestinationRefusedError,
  type GuardedDispatcherOptions,
  guardedLookup,
  HostNotFoundError,
  type HostResolver,
  resolveAllowedAddresses,
} from "./guarded-dispatcher.ts";
export {
  defaultMaxResponseBytes,
  OutboundError,
  type OutboundErrorKind,
  type OutboundRequest,
  type OutboundResponse,
  outboundRequest,
  parseOutboundUrl,
} from "./outbound-request.ts";
