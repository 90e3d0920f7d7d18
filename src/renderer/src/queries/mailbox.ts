import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import type { Request } from '../../../shared/contract';
import type { CertificateStatus } from '../../../shared/mailbox';
import { api } from '../api/client';

export const mailKeys = {
  all: ['mail'] as const,
  certificate: (serverId: string) => [...mailKeys.all, 'certificate', serverId] as const,
  mailboxes: (serverId: string) => [...mailKeys.all, 'mailboxes', serverId] as const,
};

/** After a request, ask again every few seconds until the certificate is issued or the server gives up. */
const stillWaiting = (status: CertificateStatus | undefined): boolean =>
  status !== undefined && (status.selfSigned || status.acme?.pending === true) && !status.acme?.lastError;

export const certificateStatusQuery = (serverId: string, enabled = true, watching = false) =>
  queryOptions({
    queryKey: mailKeys.certificate(serverId),
    queryFn: () => api.certificateStatus({ id: serverId }),
    enabled: enabled && serverId !== '',
    retry: false,
    meta: { localError: true },
    refetchInterval: (query) => (watching && stillWaiting(query.state.data) ? 2000 : false),
  });

export function useRequestCertificate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'requestCertificate'>) => api.requestCertificate(req),
    meta: { localError: true },
    onSuccess: (status, req) => client.setQueryData(mailKeys.certificate(req.serverId), status),
  });
}

export function useCreateMailbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (req: Request<'createMailbox'>) => api.createMailbox(req),
    meta: { localError: true },
    onSuccess: (_created, req) => client.invalidateQueries({ queryKey: mailKeys.mailboxes(req.serverId) }),
  });
}
