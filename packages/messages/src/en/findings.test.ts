import { describe, expect, it } from 'vitest';
import { t } from '../index';
import { findings } from './findings';

describe('the findings catalogue', () => {
  it('keeps its keys under finding.', () => {
    for (const key of Object.keys(findings)) expect(key).toMatch(/^finding\./);
  });

  it('speaks HR words: no standard numbers or SCIM names in a sentence', () => {
    for (const [key, text] of Object.entries(findings)) {
      expect(text, key).not.toMatch(/ISO 3166|RFC|SCIM|userName|externalId|user principal/);
    }
  });

  it('fills plurals, quoted braces and values', () => {
    expect(t('finding.group.country.title', { value: 'UK', count: 641 })).toBe('Country UK is not a country code Entra accepts (641 people)');
    expect(t('finding.value.notObject', { field: 'Manager', example: 'value', shown: 'the text `x`' })).toBe(
      'Manager must be a group of values such as { "value": ... } but is the text `x`; put the value inside the group in the mapping.',
    );
    expect(t('finding.group.more', { count: 1234 })).toBe('1,234 more');
  });
});
