/** One log method: a structured object first, then the message (pino's calling convention). */
export type LogMethod = (fields: Record<string, unknown>, message: string) => void;

/**
 * Where the engine logs: the subset of pino's `Logger` it calls, so the engine does not depend on pino
 * and any structured logger fits. The gateway hands its pino logger in.
 */
export interface EngineLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

/** A logger that drops every line (the default when the engine is given none). */
export const silentLogger: EngineLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
