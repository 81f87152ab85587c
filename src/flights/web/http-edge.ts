// What every HTTP answer of the map server carries and how Fastify's own refusals look:
// security headers (a CSP that lets the bundled map and its optional OpenStreetMap tiles work,
// nosniff, no framing, no referrer), and errors Fastify raises before a route runs (bad JSON,
// a body too large, a wrong content type) answered as the API's ErrorView with a short reason.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorView } from './contract.js';

/**
 * Scripts and styles only from this server; style attributes are allowed because Leaflet
 * positions every tile and marker with them. Images may come from the optional online tiles.
 * The WebSocket is same-origin, which 'self' covers.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https://tile.openstreetmap.org",
  "connect-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Longer path parameters are refused by the router (414) before the schemas see them. */
export const pathParameterCharactersMax = 16_384;

/** The router's own refusals (a malformed or too long URL): short, without the URL, with the headers. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const statusCode = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const reason = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? `url: a path segment is longer than ${pathParameterCharactersMax} characters` : 'url: malformed';
  void reply.code(statusCode).headers(securityHeaders).send({ error: reason } satisfies ErrorView);
}

export function registerHttpEdge(app: FastifyInstance, options: { bodyBytesMax: number; onServerError: (error: unknown) => void }): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(securityHeaders);
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const statusCode = error.statusCode ?? 500;
    if (statusCode >= 500) {
      options.onServerError(error);
      return reply.code(500).send({ error: 'internal error' } satisfies ErrorView);
    }
    return reply.code(statusCode).send({ error: clientErrorMessage(error, options.bodyBytesMax) } satisfies ErrorView);
  });
}

function clientErrorMessage(error: FastifyError, bodyBytesMax: number): string {
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'body: not valid JSON';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return `body: at most ${bodyBytesMax} bytes`;
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'body: must be a JSON object';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'body: must be JSON (content-type: application/json)';
  return error.message.slice(0, 200);
}
