import { createHash, timingSafeEqual } from 'node:crypto';
import { RokuError } from '@roku/schemas';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * A checker for `Authorization: Bearer <token>` headers. Tokens are compared as sha256 digests with
 * `timingSafeEqual`, and every accepted token is compared, so timing reveals neither length nor position.
 */
export function createTokenCheck(tokens: readonly string[]): (header: string | undefined) => void {
  const accepted = tokens.map(digest);
  return (header) => {
    const match = header === undefined ? null : BEARER.exec(header);
    if (match?.[1] === undefined) {
      throw new RokuError(
        'ROKU_REGISTRY_UNAUTHORIZED',
        'publish needs an Authorization: Bearer <token> header',
      );
    }
    const given = digest(match[1]);
    let ok = false;
    for (const token of accepted) ok = timingSafeEqual(token, given) || ok;
    if (!ok)
      throw new RokuError('ROKU_REGISTRY_FORBIDDEN', 'the publish token is not accepted by this registry');
  };
}
