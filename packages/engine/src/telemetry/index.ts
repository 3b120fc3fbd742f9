export { type EngineLogger, type LogMethod, silentLogger } from "./logger.ts";
export { type DatabaseGaugeSpec, EngineMetrics } from "./metrics.ts";
export { type CommittedRunEvents, EngineTelemetry, type RunRef, statusAfterEvent } from "./telemetry.ts";
