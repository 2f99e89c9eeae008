import { describe, expect, it } from 'vitest';
import { compileMapping } from './compile';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('headersFor and referencedHeaders', () => {
  const mapping = `(
    $display := FirstName & ' ' & \`Last Name\`;
    {
      "externalId": $str(WorkerID),
      "name": { "givenName": $title(FirstName), "familyName": $.\`Last Name\` },
      "displayName": $display,
      "active": WorkerStatus = 'Active' ? true : false,
      "emails": [ { "type": "work", "value": $lower(Email), "primary": true } ],
      "phoneNumbers": [ { "type": "work", "value": OfficePhone }, { "type": "mobile", "value": Mobile } ],
      "title": $lookup('titles', JobCode, $$.JobTitle),
      "nickName": $lookup($, 'Nick Name'),
      "${ENTERPRISE}": {
        "department": Department,
        "manager": { "value": $str(ManagerID) }
      },
      "addresses": $exists(City) ? [ { "locality": City } ] : undefined
    }
  )`;
  const compiled = compileMapping({ mapping, lookups: { titles: {} } });

  it('maps object-constructor paths to the headers read inside them', () => {
    expect(compiled.headersFor('externalId')).toEqual(['WorkerID']);
    expect(compiled.headersFor('name.givenName')).toEqual(['FirstName']);
    expect(compiled.headersFor('name.familyName')).toEqual(['Last Name']);
    expect(compiled.headersFor('name').sort()).toEqual(['FirstName', 'Last Name']);
    expect(compiled.headersFor('active')).toEqual(['WorkerStatus']);
    expect(compiled.headersFor('title').sort()).toEqual(['JobCode', 'JobTitle']);
    expect(compiled.headersFor('nickName')).toEqual(['Nick Name']);
  });

  it('follows variables to the headers they were bound from', () => {
    expect(compiled.headersFor('displayName').sort()).toEqual(['FirstName', 'Last Name']);
  });

  it('indexes array items, and answers with or without the index', () => {
    expect(compiled.headersFor('emails[0].value')).toEqual(['Email']);
    expect(compiled.headersFor('emails.value')).toEqual(['Email']);
    expect(compiled.headersFor('phoneNumbers[1].value')).toEqual(['Mobile']);
    expect(compiled.headersFor('phoneNumbers[0].value')).toEqual(['OfficePhone']);
    expect(compiled.headersFor('emails[0].type')).toEqual([]);
  });

  it('handles extension URNs, whose keys contain dots', () => {
    expect(compiled.headersFor(`${ENTERPRISE}.manager.value`)).toEqual(['ManagerID']);
    expect(compiled.headersFor(`${ENTERPRISE}.department`)).toEqual(['Department']);
    expect(compiled.headersFor(`${ENTERPRISE}.costCenter`)).toEqual([]);
  });

  it('gives a value the analysis cannot split to every path inside it, and [] for unknown paths', () => {
    expect(compiled.headersFor('addresses')).toEqual(['City']);
    expect(compiled.headersFor('addresses[0].locality')).toEqual(['City']);
    expect(compiled.headersFor('userName')).toEqual([]);
    expect(compiled.headersFor('name.middleName')).toEqual([]);
    expect(compiled.headersFor('NAME.GIVENNAME')).toEqual(['FirstName']);
  });

  it('lists every referenced header once, in order of appearance', () => {
    expect(compiled.referencedHeaders).toEqual([
      'FirstName', 'Last Name', 'WorkerID', 'WorkerStatus', 'Email', 'OfficePhone', 'Mobile', 'JobCode', 'JobTitle',
      'Nick Name', 'Department', 'ManagerID', 'City',
    ]);
  });

  it('does not take steps after the first, or names inside filters on them, for headers', () => {
    const c = compileMapping({ mapping: '{"a": Manager.Name, "b": Items[Kind = "x"].Value, "c": $count(Tags)}' });
    expect(c.referencedHeaders).toEqual(['Manager', 'Items', 'Tags']);
    expect(c.headersFor('b')).toEqual(['Items']);
  });

  it('looks through conditions at the top level', () => {
    const c = compileMapping({ mapping: 'Type = "Intern" ? {"userType": "Intern", "title": Title} : {"userType": Type}' });
    expect(c.headersFor('title')).toEqual(['Title']);
    expect(c.headersFor('userType')).toEqual(['Type']);
  });

  it('attributes expression positions to the innermost output path', () => {
    const text = '{"name": {"givenName": $title(FirstName)}, "x": 1}';
    const c = compileMapping({ mapping: text });
    expect(c.pathAt(text.indexOf('FirstName') + 3)).toBe('name.givenName');
    expect(c.pathAt(text.length + 10)).toBeUndefined();
  });
});
