// Loading data for a page: state for loading, the data, and a readable error; `reload` to
// fetch again (after a change, or on a timer for live views).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  readonly reload: () => void;
}

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, err instanceof Error ? err.message : String(err));
}

/** Runs `load` now and whenever `deps` change; with `everyMs`, again on that interval. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], everyMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && live.current && setState({ data, loading: false }),
      (err: unknown) =>
        current && live.current && setState((s) => ({ data: s.data, error: asApiError(err), loading: false })),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  useEffect(() => {
    if (everyMs === undefined) return;
    const id = setInterval(() => setTick((t) => t + 1), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** Runs one action (a button's), keeping its pending state and error for the page to show. */
export function useAction(): {
  pending: boolean;
  error: ApiError | undefined;
  run<T>(fn: () => Promise<T>): Promise<T | undefined>;
  clear(): void;
} {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  return {
    pending,
    error,
    clear: () => setError(undefined),
    async run(fn) {
      setPending(true);
      setError(undefined);
      try {
        return await fn();
      } catch (err) {
        setError(asApiError(err));
        return undefined;
      } finally {
        setPending(false);
      }
    },
  };
}
