import { queryOptions } from '@tanstack/react-query';
import { api } from '../api/client';

export const appKeys = { info: ['app', 'info'] as const };
export const appInfoQuery = () =>
  queryOptions({ queryKey: appKeys.info, queryFn: () => api.appInfo({}), staleTime: Infinity });
