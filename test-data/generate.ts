/**
 * Generates large HR exports shaped like Microsoft's sample (24 columns, the same headers) for benchmarks
 * and memory tests. Large files are never committed: they go to bench/.data/ (ignored).
 *
 *   tsx test-data/generate.ts --rows 100000 --format xlsx --out bench/.data/hr-100k.xlsx
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import ExcelJS from 'exceljs';

export const SAMPLE_HEADERS = [
  'WorkerID', 'WorkerStatus', 'WorkerType', 'UserID', 'FirstName', 'LastName', 'FullName', 'GenderPronoun',
  'ManagerID', 'HireDate', 'OnLeave', 'Department', 'Division', 'CostCenter', 'Company', 'Location', 'JobTitle',
  'StreetAddress', 'City', 'CountryCode', 'OfficePhone', 'Custom01', 'Custom02', 'ZipCode',
] as const;

const FIRST = ['Talya', 'Myriam', 'Ginnie', 'Genevra', 'Nyssa', 'Annora', 'Jürgen', 'Zoë', 'Björn', 'Amélie', 'Kenji', 'Priya'];
const LAST = ['Fleeta', 'Durware', 'Fadiman', 'Melony', 'Roscoe', 'Jacinda', 'Müller', 'Østergaard', 'García', 'Nakamura'];
const DEPARTMENTS = ['Sales', 'Product Engineering', 'Manufacturing', 'Product Marketing', 'Human Resources', 'Finance'];
const DIVISIONS = ['Electronics', 'Food', 'Media', 'Pharma', 'Garments', 'Logistics'];
const CITIES = ['Chicago', 'Frankfurt', 'Paris', 'San Francisco', 'Bengaluru'];
const COUNTRIES = ['US', 'DE', 'FR', 'UK', 'IN'];
const TITLES = ['Sales Executive', 'Vice President', 'Project Manager', 'Software Developer', 'Engineering Manager', 'Director'];

/** Deterministic pseudo-random numbers so every run generates the same file. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

/** One row of the sample's shape; every value is a string as in Microsoft's CSV exports. */
export function sampleRow(index: number, rows: number, random: () => number): string[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const id = 100000 + index;
  const first = pick(FIRST);
  const last = pick(LAST);
  const manager = index === 0 ? '' : String(100000 + Math.floor(random() * Math.min(index, rows)));
  const year = 2000 + Math.floor(random() * 25);
  const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(random() * 28)).padStart(2, '0');
  return [
    String(id), random() < 0.9 ? 'Active' : 'Inactive', random() < 0.8 ? 'Employee' : 'Contractor', `EMP${id}`,
    first, last, `${first} ${last}`, pick(['HE/HIM', 'SHE/HER', 'THEY/THEM']), manager, `${year}-${month}-${day}`,
    random() < 0.1 ? 'True' : 'False', pick(DEPARTMENTS), pick(DIVISIONS), `CC${1000 + Math.floor(random() * 9000)}`,
    pick(['Woodgrove', 'Fabrikam', 'Contoso']), pick(['Europe', 'Asia Pacific', 'North America']), pick(TITLES),
    random() < 0.2 ? '' : `${1 + Math.floor(random() * 999)} Woodgrove Way`, pick(CITIES), pick(COUNTRIES),
    `${100 + Math.floor(random() * 900)}-${100 + Math.floor(random() * 900)}-${1000 + Math.floor(random() * 9000)}`,
    `T${1000 + Math.floor(random() * 9000)}`, random() < 0.3 ? '' : `BTK${10 + Math.floor(random() * 90)}`,
    String(10000 + Math.floor(random() * 89999)),
  ];
}

export async function generateXlsx(path: string, rows: number, seed = 42): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: true });
  const sheet = workbook.addWorksheet('Workers');
  sheet.addRow([...SAMPLE_HEADERS]).commit();
  const random = prng(seed);
  for (let i = 0; i < rows; i++) sheet.addRow(sampleRow(i, rows, random)).commit();
  sheet.commit();
  await workbook.commit();
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export async function generateCsv(path: string, rows: number, seed = 42): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path, 'utf8');
  out.write(SAMPLE_HEADERS.join(',') + '\n');
  const random = prng(seed);
  for (let i = 0; i < rows; i++) {
    if (!out.write(sampleRow(i, rows, random).map(csvField).join(',') + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 && argv[at + 1] ? argv[at + 1]! : fallback;
  };
  const rows = Number(arg('rows', '100000'));
  const format = arg('format', 'xlsx');
  const out = arg('out', `bench/.data/hr-${rows}.${format}`);
  if (format === 'csv') await generateCsv(out, rows);
  else await generateXlsx(out, rows);
  process.stdout.write(`${out}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
  await main(process.argv.slice(2));
}
