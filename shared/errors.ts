/**
 * The service's error taxonomy. Each edge (the API, each event handler)
 * maps these to its own outcome in exactly one place.
 */

/** One problem with a client's request, at a field path. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** A request the client must change: one or more problems with fields. */
export class ValidationError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'ValidationError';
  }
}

/** Something the client asked for does not exist (or is not theirs). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** A request body too large to store. */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

/**
 * A message or event that can never be processed, however often it is
 * retried (malformed, or naming something that does not exist). Event
 * handlers acknowledge these after logging them.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}
