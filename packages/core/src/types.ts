/**
 * The shared shapes that flow through the core: rows read from a file (with their origin), findings
 * (validation results that point back at rows and cells), SCIM users and bulk requests.
 */

/** A cell value as a user sees it in Excel or in a CSV file. Empty cells are absent from `values`. */
export type CellValue = string | number | boolean | Date;

/** One column of a table: its header text (trimmed) and where it sits. */
export interface ColumnInfo {
  /** Header text as it appears in the file, trimmed. Blank headers get a placeholder like `(blank D)`. */
  header: string;
  /** Column letter as Excel shows it: A, B, …, AA. For CSV files the same lettering is used. */
  letter: string;
  /** Zero-based position of the column. */
  index: number;
}

/** A cell whose value is an Excel error (#N/A, #DIV/0!, #REF!, …). */
export interface CellError {
  header: string;
  letter: string;
  /** The error text exactly as Excel shows it, e.g. `#N/A`. */
  error: string;
}

/** Where a row came from. */
export interface RowOrigin {
  /** File name (base name) the row came from. */
  file: string;
  /** Worksheet name for xlsx files; absent for CSV. */
  sheet?: string;
  /** Row number as Excel shows it (1-based, counting the header and any preamble rows); for CSV the record's first line number. */
  row: number;
}

/** One data row, keyed by trimmed header text. */
export interface SourceRow {
  origin: RowOrigin;
  /** Values by header. Empty cells are absent. Error cells are absent here and listed in `cellErrors`. */
  values: Record<string, CellValue>;
  /** Cells holding an Excel error value. */
  cellErrors?: CellError[];
}

export type Severity = 'error' | 'warning';

/** A cell a finding came from. */
export interface CellRef {
  header: string;
  letter: string;
}

/**
 * One problem found in a file, a profile or a mapped user. Findings are data, not exceptions: a file
 * with a thousand bad rows yields a thousand findings and the good rows still go through.
 */
export interface Finding {
  severity: Severity;
  /** Stable machine code, e.g. `externalId.duplicate`, `header.blank`, `mapping.runtime`. */
  code: string;
  /** One sentence for a person: what is wrong and what to do. */
  message: string;
  /** SCIM path of the attribute concerned, e.g. `emails[0].value`, `urn:…:enterprise:2.0:User.manager.value`. */
  path?: string;
  file?: string;
  sheet?: string;
  /** Row number as Excel shows it. */
  row?: number;
  /** The cells the value came from (possibly several, for example givenName + familyName → displayName). */
  cells?: CellRef[];
  /**
   * Who the row is, when it was mapped to a person: the display name (or first and last name) and the
   * employee id (externalId). People fix a file by person, not by row number.
   */
  person?: FindingPerson;
  /**
   * The value at fault as the file shows it (at most 60 characters), when one value is the problem: the
   * duplicated id, the country written `UK`, the manager id not in the file. Findings are grouped by it.
   * Never set for secret attributes.
   */
  value?: string;
  /**
   * Set on a line that stands for one warning repeated on many rows (errors.csv writes such a warning once; see
   * pipeline/repeated-warnings.ts): how many rows it concerns and all of them, as `2–1001, 1005`. `row` is the first.
   */
  repeats?: { count: number; rows: string };
}

/** The person a finding is about. */
export interface FindingPerson {
  name?: string;
  externalId?: string;
}

/** A SCIM user object as produced by a mapping (core + enterprise + custom extension attributes). */
export type ScimUser = Record<string, unknown> & { externalId?: unknown; schemas?: unknown };

export const SCIM_CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const SCIM_BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

export interface BulkOperation {
  method: 'POST';
  bulkId: string;
  path: '/Users';
  data: ScimUser & { schemas: string[]; externalId: string };
}

export interface BulkRequest {
  schemas: [typeof SCIM_BULK_REQUEST];
  Operations: BulkOperation[];
  failOnErrors?: number;
}
