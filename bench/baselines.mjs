/**
 * The simplest builders scimport is measured against, in plain JavaScript run by plain node (no tsx), so they
 * start as fast as the bundled `scimport` they are compared with.
 *
 *   node bench/baselines.mjs column-copy <file.csv> <outDir>   Microsoft's web-client approach, lean: csv-parse
 *       the whole file, copy columns into the SCIM shape of test-data/profiles/microsoft-attribute-mapping.json
 *       (no expressions, no validation, no error report), chunks of 50, one JSON file per chunk.
 *   node bench/baselines.mjs raw-read <file.xlsx>              exceljs's streaming read, every row, nothing kept.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:csv:1.0:User';

function columnCopy(file, outDir) {
  const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true });
  mkdirSync(outDir, { recursive: true });
  let chunk = [];
  let files = 0;
  const flush = () => {
    const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: chunk };
    writeFileSync(join(outDir, `bulk-${String(++files).padStart(4, '0')}.json`), JSON.stringify(body, null, 2));
    chunk = [];
  };
  for (const r of records) {
    const data = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE, CUSTOM],
      externalId: r.WorkerID,
      name: { familyName: r.LastName, givenName: r.FirstName },
      active: r.WorkerStatus === 'Active',
      userName: r.UserID,
      displayName: r.FullName,
      nickName: r.UserID,
      userType: r.WorkerType,
      title: r.JobTitle,
      addresses: [{ type: 'work', streetAddress: r.StreetAddress, locality: r.City, postalCode: r.ZipCode, country: r.CountryCode }],
      phoneNumbers: [{ type: 'work', value: r.OfficePhone }],
      [ENTERPRISE]: {
        employeeNumber: r.WorkerID,
        costCenter: r.CostCenter,
        organization: r.Company,
        division: r.Division,
        department: r.Department,
        manager: { value: r.ManagerID },
      },
      [CUSTOM]: { HireDate: `${r.HireDate}T00:00:00Z`, OnLeave: /^true$/i.test(r.OnLeave) },
    };
    chunk.push({ method: 'POST', bulkId: String(chunk.length + 1), path: '/Users', data });
    if (chunk.length === 50) flush();
  }
  if (chunk.length > 0) flush();
  return records.length;
}

async function rawRead(file) {
  let rows = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit' });
  for await (const sheet of reader) {
    for await (const _row of sheet) rows++;
  }
  return rows - 1;
}

const [mode, file, outDir] = process.argv.slice(2);
const rows = mode === 'column-copy' ? columnCopy(file, outDir) : await rawRead(file);
process.stdout.write(`${JSON.stringify({ rows })}\n`);
