import { describe, expect, it } from 'vitest';
import { signInDomains } from './domains';

describe('signInDomains', () => {
  it('gives each domain once, in lower case and order, and skips names without one', () => {
    expect(signInDomains([
      { userName: 'ana@Contoso.com' },
      { userName: 'bruno@contoso.com' },
      { userName: 'EMP1222' },
      { userName: 'odd@' },
      { userName: 'x@sub.fabrikam.org' },
      undefined,
      {},
    ])).toEqual(['contoso.com', 'sub.fabrikam.org']);
  });
});
