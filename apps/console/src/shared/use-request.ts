import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";

/** State of an asynchronous read. */
export interface RequestState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Runs the read again (keeps the old data on screen meanwhile). */
  reload(): Promise<void>;
}

/**
 * Runs `load` when `deps` change and keeps its result. A result that arrives after a newer load started
 * is dropped, so fast typing or navigation never shows stale data.
 */
export function useRequest<T>(load: () => Promise<T>, deps: DependencyList): RequestState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await load();
      if (mine === generation.current) {
        setData(value);
        setError(undefined);
      }
    } catch (caught) {
      if (mine === generation.current) setError(caught as Error);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void run();
  }, [run]);
  return { data, error, loading, reload: run };
}

/** Formats an ISO date-time for people, in their locale. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

/** Pretty JSON for display. */
export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
