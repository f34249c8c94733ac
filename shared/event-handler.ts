/**
 * The one place where an event function's outcome becomes an ack or a
 * retry. A handler that returns acknowledges its message; one that throws
 * a PermanentError is logged and acknowledged (retrying cannot help); any
 * other error is logged and rethrown, so that Pub/Sub or Eventarc delivers
 * the event again.
 */
import type { CloudEvent } from '@google-cloud/functions-framework';
import { PermanentError } from './errors';
import type { Logger } from './logger';

/** The body of a Pub/Sub `messagePublished` CloudEvent. */
interface MessagePublishedData {
  message?: { data?: string; messageId?: string };
}

/** Decodes the JSON payload of a Pub/Sub push delivery. */
export function pubsubJson(event: CloudEvent<unknown>): unknown {
  const data = (event.data ?? {}) as MessagePublishedData;
  const encoded = data.message?.data;
  if (!encoded) {
    throw new PermanentError('the Pub/Sub message has no data');
  }
  try {
    return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new PermanentError('the Pub/Sub message is not JSON');
  }
}

/** Wraps an event handler with the service's ack-or-retry policy. */
export function withRetryPolicy<T>(
  logger: Logger,
  handler: (event: CloudEvent<T>) => Promise<void>,
): (event: CloudEvent<T>) => Promise<void> {
  return async (event) => {
    try {
      await handler(event);
    } catch (error) {
      const fields = { eventId: event.id, error: String(error) };
      if (error instanceof PermanentError) {
        logger.error('event dropped: it can never succeed', fields);
        return;
      }
      logger.warn('event failed; it will be delivered again', fields);
      throw error;
    }
  };
}
