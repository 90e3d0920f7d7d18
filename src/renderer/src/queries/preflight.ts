import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client';

export const preflightKeys = {
  all: ['preflight'] as const,
  server: (id: string) => ['preflight', id] as const,
};

export function useRunPreflight() {
  return useMutation({ mutationFn: (id: string) => api.runPreflight({ id }), meta: { localError: true } });
}
