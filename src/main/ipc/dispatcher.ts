import {
  contract,
  type Method,
  type ParsedRequest,
  type Request,
  type Response,
} from '../../shared/contract';
import { FacteurError, toErrorBody, unwrapEnvelope, type Envelope } from '../../shared/errors';

/** One handler per contract method; the type makes a missing handler a compile error. */
export type Handlers = { [M in Method]: (request: ParsedRequest<M>) => Promise<Response<M>> };

export type Dispatch = (method: string, rawRequest: unknown) => Promise<Envelope<unknown>>;

/**
 * Validates an untrusted request against the contract, runs the handler, and wraps the
 * outcome in an envelope. Shared by the Electron IPC bridge and the browser host.
 */
export function createDispatcher(
  handlers: Handlers,
  onError?: (method: string, err: unknown) => void,
): Dispatch {
  return async (method, rawRequest) => {
    try {
      if (!Object.hasOwn(contract, method)) throw new FacteurError('VALIDATION', `Unknown method ${method}`);
      const m = method as Method;
      const parsed = contract[m].request.safeParse(rawRequest ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.join('.') || 'request';
        throw new FacteurError('VALIDATION', `${where}: ${issue?.message ?? 'invalid'}`, { field: where });
      }
      const handler = handlers[m] as (req: unknown) => Promise<unknown>;
      const value = await handler(parsed.data);
      return { ok: true, value };
    } catch (err) {
      onError?.(method, err);
      return { ok: false, error: toErrorBody(err) };
    }
  };
}

export type Call = <M extends Method>(method: M, request: Request<M>) => Promise<Response<M>>;

/** Calls through the dispatcher in-process (CLI, tests): same validation, errors thrown again. */
export function directCaller(dispatch: Dispatch): Call {
  return async (method, request) =>
    unwrapEnvelope((await dispatch(method, request)) as Envelope<Response<typeof method>>);
}
