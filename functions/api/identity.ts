/**
 * Who is calling. Every task records its owner, and callers see only their
 * own tasks. Locally there is one fixed owner unless the request carries a
 * bearer token; verifying tokens in production belongs behind this same
 * interface.
 */
import { createHash } from 'node:crypto';

/** Resolves the caller of a request to an owner id. */
export interface IdentityResolver {
  ownerOf(headers: Record<string, string | string[] | undefined>): string;
}

/** The owner of requests that carry no credentials in local mode. */
export const LOCAL_OWNER = 'local';

/**
 * Local mode: a bearer token names its own owner (by a hash, so the token
 * itself is never stored); no token means the fixed local owner.
 */
export const localIdentity: IdentityResolver = {
  ownerOf(headers) {
    const header = headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = /^Bearer\s+(\S+)$/i.exec(value ?? '');
    if (!match?.[1]) return LOCAL_OWNER;
    const digest = createHash('sha256').update(match[1]).digest('hex');
    return `token-${digest.slice(0, 24)}`;
  },
};
