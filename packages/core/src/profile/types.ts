/**
 * A mapping profile: one JSON document, shared between people, that says how a spreadsheet becomes SCIM
 * users. It never holds a secret (client secrets and keys live in the OS keychain or the environment).
 */

export type ExtensionAttributeType = 'string' | 'integer' | 'boolean' | 'dateTime';

export interface ExtensionAttribute {
  name: string;
  type: ExtensionAttributeType;
  multiValued?: boolean;
  required?: boolean;
  description?: string;
}

export interface ProfileExtension {
  /** `urn:ietf:params:scim:schemas:extension:<name>:1.0:User` */
  namespace: string;
  attributes: ExtensionAttribute[];
}

export interface ProfileInput {
  /** Worksheet name or zero-based index (xlsx only). */
  sheet?: string | number;
  /** Header row number as Excel shows it (1-based). Absent: detected past preamble rows. */
  headerRow?: number;
  /** Text encoding of CSV files (`utf-8`, `utf-16le`, `windows-1252`, …). Absent: detected. */
  encoding?: string;
  /** CSV delimiter. Absent: detected among `,` `;` tab `|`. */
  delimiter?: string;
  /** Default date pattern for `$entraDate` when a text date is not ISO, e.g. `dd/MM/yyyy`. */
  dateFormat?: string;
}

/** A mapping test: a sample row and the SCIM user the mapping must produce from it. */
export interface ProfileTest {
  name?: string;
  row: Record<string, string | number | boolean>;
  /** Expected SCIM output; compared deeply. */
  expect: Record<string, unknown>;
}

export interface ProfileOutput {
  /** Operations per bulk request, 1..50 (Entra's cap). Default 50. */
  chunkSize?: number;
  /** Sent as the BulkRequest's failOnErrors when set; omitted otherwise. */
  failOnErrors?: number;
}

export type Cloud = 'global' | 'usgov' | 'dod' | 'china';

/** Where uploads go. Identifiers only — never a secret. */
export interface ProfileTarget {
  cloud?: Cloud;
  tenantId?: string;
  clientId?: string;
  servicePrincipalId?: string;
  jobId?: string;
  auth?: 'secret' | 'certificate' | 'interactive' | 'deviceCode' | 'federated' | 'managedIdentity';
  /** Path to a PEM certificate (public part and private key) for certificate auth; the key stays in that file. */
  certificatePath?: string;
  /** Federated: the file the platform writes its OIDC token to. Default: AZURE_FEDERATED_TOKEN_FILE. */
  assertionFile?: string;
  /** Managed identity: the client ID of a user-assigned identity (default: the system-assigned one). */
  managedIdentityClientId?: string;
  /** Managed identity: the resource ID of a user-assigned identity, instead of its client ID. */
  managedIdentityResourceId?: string;
}

export interface ProfileLeavers {
  /** What a record missing from the file means: ignore it, or disable the account. */
  policy: 'ignore' | 'disable';
  /** Stop before sending when disables exceed this percentage of the last snapshot. */
  maxDisablePercent?: number;
  /** Stop before sending when disables exceed this count. */
  maxDisableCount?: number;
  maxChangePercent?: number;
  maxChangeCount?: number;
}

export interface Profile {
  $schema?: string;
  name: string;
  /** Rises by one on every save. */
  version: number;
  description?: string;
  input?: ProfileInput;
  /** JSONata expression evaluated once per row with `$` bound to the row (keys = trimmed header text). */
  mapping: string;
  extension?: ProfileExtension;
  /** Lookup tables for `$lookup(table, key)`: table name → key → value. */
  lookups?: Record<string, Record<string, string>>;
  tests?: ProfileTest[];
  output?: ProfileOutput;
  target?: ProfileTarget;
  leavers?: ProfileLeavers;
  /**
   * The short name of the HR source this profile uploads (`employees`, `contractors`), when several files
   * feed one provisioning job: each feed only ever disables its own people. Absent: derived from `name`
   * by `feedOf` (so renaming the profile changes the feed; set it to keep it).
   */
  feed?: string;
  /**
   * Which feed wins when two feeds list the same person: a rank, 1 wins over 2. Absent: ranks after every
   * feed that has one; between equal ranks the feed that sent the person last keeps them.
   */
  precedence?: number;
}
