// Routes of the control API: METHOD + path pattern ('/v1/domains/:domain') -> handler.
import { ApiError } from './api-error.ts';

export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when the route takes none or none was sent). */
  body: unknown;
}

export interface ApiResponse {
  status?: number;
  body?: unknown;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse;

/** 'none': any body is refused; 'optional': JSON when sent; 'required': JSON object expected. */
export type BodyRule = 'none' | 'optional' | 'required';

export interface Route {
  method: string;
  pattern: string;
  body: BodyRule;
  handler: Handler;
  segments: string[];
}

export type Match = { route: Route; params: Record<string, string> } | { allowed: string[] };

export class Router {
  readonly #routes: Route[] = [];

  add(
    method: string,
    pattern: string,
    handler: Handler,
    body: BodyRule = method === 'GET' || method === 'DELETE' ? 'none' : 'required',
  ): this {
    this.#routes.push({ method, pattern, handler, body, segments: pattern.split('/').slice(1) });
    return this;
  }

  get(pattern: string, h: Handler) {
    return this.add('GET', pattern, h);
  }
  post(pattern: string, h: Handler, body: BodyRule = 'required') {
    return this.add('POST', pattern, h, body);
  }
  put(pattern: string, h: Handler) {
    return this.add('PUT', pattern, h);
  }
  patch(pattern: string, h: Handler) {
    return this.add('PATCH', pattern, h);
  }
  delete(pattern: string, h: Handler) {
    return this.add('DELETE', pattern, h);
  }

  match(method: string, path: string): Match | undefined {
    const parts = path.split('/').slice(1);
    const allowed: string[] = [];
    for (const r of this.#routes) {
      const params = matchSegments(r.segments, parts);
      if (!params) continue;
      if (r.method === method) return { route: r, params };
      allowed.push(r.method);
    }
    return allowed.length ? { allowed } : undefined;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) {
      if (!v) return undefined;
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        throw new ApiError(400, 'INVALID', 'malformed percent-encoding in the path');
      }
    } else if (p !== v) return undefined;
  }
  return params;
}
