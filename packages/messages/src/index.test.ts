import { describe, expect, it } from 'vitest';
import { IntlMessageFormat } from 'intl-messageformat';
import { en } from './en/index';
import { isMessageKey } from './index';

describe('the catalogue', () => {
  it('holds only messages that parse as ICU MessageFormat', () => {
    for (const [key, text] of Object.entries(en)) {
      expect(() => new IntlMessageFormat(text, 'en', undefined, { ignoreTag: true }), key).not.toThrow();
    }
  });

  it('knows its own keys and no others', () => {
    expect(isMessageKey('toString')).toBe(false);
    expect(isMessageKey('no.such.message')).toBe(false);
  });
});
