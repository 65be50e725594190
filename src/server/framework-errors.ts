import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TollgateError } from '../common/errors.js';
import { newRequestId } from '../common/ids.js';
import { toOpenAIError } from '../common/openai-error.js';

/**
 * Answers Fastify makes before a route runs (a URL that is not valid
 * percent-encoding, a path parameter beyond the router's limit), in OpenAI's
 * shape with the request id, like every other answer.
 */
export function frameworkError(err: Error, request: FastifyRequest, reply: FastifyReply): void {
  request.startedAt = process.hrtime.bigint();
  const shaped = toOpenAIError(err, request.id);
  reply.header('x-request-id', request.id).code(shaped.status).headers(shaped.headers).send(shaped.body);
}

/** Failures of the HTTP parser itself, before Fastify sees a request: the connection gets one shaped answer and closes. */
export function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy(err);
    return;
  }
  const name = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'malformed_http';
  const requestId = newRequestId();
  const shaped = toOpenAIError(new TollgateError(name), requestId);
  const body = JSON.stringify(shaped.body);
  socket.end(
    `HTTP/1.1 ${shaped.status} ${STATUS_CODES[shaped.status]}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
