// The control API: versioned JSON over HTTP on 127.0.0.1, for the desktop app through an SSH
// tunnel. Routes are grouped by resource in routes/; see the README for every endpoint.
import type { ControlDeps } from './control-deps.ts';
import { startHttpApi, type HttpApi } from './http-server.ts';
import { Router } from './router.ts';
import { registerAlertRoutes } from './routes/alert-routes.ts';
import { registerAliasRoutes } from './routes/alias-routes.ts';
import { registerBackupRoutes } from './routes/backup-routes.ts';
import { registerAppPasswordWrapRoutes } from './routes/app-password-wrap-routes.ts';
import { registerDomainRoutes } from './routes/domain-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { registerMailboxRoutes } from './routes/mailbox-routes.ts';
import { registerObserveRoutes } from './routes/observe-routes.ts';
import { registerSpamRoutes } from './routes/spam-routes.ts';

export interface ControlApiOptions {
  /** 0 picks a free port (tests). */
  port: number;
  maxBodyBytes?: number;
}

export function controlRouter(deps: ControlDeps): Router {
  const router = new Router();
  registerHealthRoutes(router, deps);
  registerDomainRoutes(router, deps);
  registerMailboxRoutes(router, deps);
  registerAppPasswordWrapRoutes(router, deps);
  registerSpamRoutes(router, deps);
  registerAliasRoutes(router, deps);
  registerObserveRoutes(router, deps);
  registerAlertRoutes(router, deps);
  registerBackupRoutes(router, deps);
  return router;
}

export function startControlApi(deps: ControlDeps, opts: ControlApiOptions): Promise<HttpApi> {
  return startHttpApi({
    port: opts.port,
    router: controlRouter(deps),
    authenticate: (token) => deps.tokens.verify(token),
    maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024,
    log: deps.log.child({ component: 'control-api' }),
  });
}
