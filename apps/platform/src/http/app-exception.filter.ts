import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { isPolyradError } from '@polyrad/sdk';
import type { Response } from 'express';
import { httpStatusOf } from './error-status.map.js';
import { REQUEST_TOO_LARGE, REQUEST_TOO_LARGE_MESSAGE } from './request.limits.js';
import { databaseUnavailable, isDatabaseUnavailable } from '../database/database-outage.js';

export interface ErrorBody {
  code: string;
  message: string;
}

/**
 * Every error leaves the API as JSON `{ code, message }` with a stable code and no stack trace.
 * PolyradErrors carry messages meant for users; anything else is a bug, logged here and reported as INTERNAL_ERROR.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toResponse(exception);
    if (res.headersSent) return;
    res.status(status).json(body);
  }

  toResponse(exception: unknown): { status: number; body: ErrorBody } {
    if (isPolyradError(exception)) {
      return { status: httpStatusOf(exception.code), body: { code: exception.code, message: exception.message } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Only the body parser answers 413; its own text ("request entity too large") names no limit.
      if (status === HttpStatus.PAYLOAD_TOO_LARGE) return { status, body: { code: REQUEST_TOO_LARGE, message: REQUEST_TOO_LARGE_MESSAGE } };
      return { status, body: { code: HttpStatus[status] ?? `HTTP_${status}`, message: httpMessage(exception) } };
    }
    if (isDatabaseUnavailable(exception)) {
      const error = databaseUnavailable(exception);
      this.logger.warn(error.message);
      return { status: HttpStatus.SERVICE_UNAVAILABLE, body: { code: error.code, message: error.message } };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { code: 'INTERNAL_ERROR', message: 'internal server error' } };
  }
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
