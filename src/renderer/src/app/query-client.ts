import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { reportError } from './global-errors';

declare module '@tanstack/react-query' {
  interface Register {
    mutationMeta: { localError?: boolean };
    queryMeta: { localError?: boolean };
  }
}

/** Errors are handled globally unless a query or mutation says its page shows them itself. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (err, query) => {
        if (!query.meta?.localError) reportError(err);
      },
    }),
    mutationCache: new MutationCache({
      onError: (err, _vars, _ctx, mutation) => {
        if (!mutation.meta?.localError) reportError(err);
      },
    }),
    defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } },
  });
}
