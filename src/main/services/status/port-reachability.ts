/**
 * Whether each public mail port of the server accepts a TCP connection from this computer — a
 * vantage point outside the server, like the mail servers and apps that will use it.
 */
import { Socket } from 'node:net';
import type { StatusCheck } from '../../../shared/status';
import { check } from './check';

export const PUBLIC_MAIL_PORTS = [25, 80, 443, 465, 587, 993, 995, 110, 143] as const;

export type PortOutcome = { port: number; open: true } | { port: number; open: false; reason: string };

export function probePort(address: string, port: number, timeoutMs: number): Promise<PortOutcome> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (outcome: PortOutcome): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done({ port, open: false, reason: 'no answer' }));
    socket.once('connect', () => done({ port, open: true }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({
        port,
        open: false,
        reason: err.code === 'ECONNREFUSED' ? 'refused' : (err.code ?? err.message),
      }),
    );
    socket.connect(port, address);
  });
}

export function probePorts(
  address: string,
  ports: readonly number[],
  timeoutMs: number,
): Promise<PortOutcome[]> {
  return Promise.all(ports.map((p) => probePort(address, p, timeoutMs)));
}

export function portsCheck(
  id: 'portsIpv4' | 'portsIpv6',
  target: { address: string; outcomes: PortOutcome[] } | { missing: string },
): StatusCheck {
  const family = id === 'portsIpv4' ? 'IPv4' : 'IPv6';
  if ('missing' in target)
    return check(
      id,
      'unknown',
      id === 'portsIpv6' ? 'noIpv6' : 'noIpv4',
      '—',
      `Not checked: ${target.missing}.`,
      id === 'portsIpv6'
        ? 'Optional: ask your provider for an IPv6 address, then deploy again and publish its AAAA record.'
        : undefined,
      { reason: target.missing },
    );
  const closed = target.outcomes.filter((o) => !o.open);
  const total = target.outcomes.length;
  const value = `${total - closed.length} of ${total} open`;
  if (closed.length) {
    const list = closed.map((o) => `${o.port} (${o.open ? '' : o.reason})`).join(', ');
    return check(
      id,
      'fail',
      'closed',
      value,
      `From this computer, ${target.address} does not accept connections on ${list}.`,
      'Open these ports in your provider’s firewall (its control panel) and in ufw; if a service is down, the Services check says which.',
      { address: target.address, ports: closed.map((o) => o.port).join(', ') },
    );
  }
  return check(
    id,
    'ok',
    'open',
    value,
    `Every mail port answers on ${target.address} over ${family}.`,
    undefined,
    { address: target.address },
  );
}
