/**
 * The header vocabulary of common HR exports (Workday, SAP SuccessFactors / SAP HCM, BambooHR, ADP,
 * Personio, German and French exports, generic spreadsheets) and the SCIM attribute each header feeds.
 * Within a slot, earlier synonyms win over later ones when a file has several candidates.
 */
import { SCIM_ENTERPRISE_USER } from '../types';
import { normaliseHeader } from './normalise';

/** The custom extension auto-map uses for attributes Entra has no SCIM home for (hire date). */
export const SCIMPORT_EXTENSION = 'urn:ietf:params:scim:schemas:extension:scimport:1.0:User';

export type SlotId =
  | 'externalId'
  | 'userName'
  | 'active'
  | 'displayName'
  | 'givenName'
  | 'familyName'
  | 'middleName'
  | 'title'
  | 'userType'
  | 'preferredLanguage'
  | 'email'
  | 'workPhone'
  | 'mobilePhone'
  | 'streetAddress'
  | 'locality'
  | 'region'
  | 'postalCode'
  | 'country'
  | 'costCenter'
  | 'organization'
  | 'division'
  | 'department'
  | 'manager'
  | 'hireDate';

export interface Slot {
  id: SlotId;
  /** SCIM path as shown to people and in findings. */
  path: string;
  /** Normalised forms that are the SCIM attribute's own name (confidence `exact`). */
  exact: string[];
  /** Normalised synonyms, best first (confidence `synonym`). */
  synonyms: string[];
}

const ENT = SCIM_ENTERPRISE_USER;

const RAW: { id: SlotId; path: string; exact: string[]; synonyms: string[] }[] = [
  {
    id: 'externalId',
    path: 'externalId',
    exact: ['externalId'],
    synonyms: [
      'Employee ID', 'Employee Number', 'Employee No', 'Employee #', 'Emp ID', 'EmpNo', 'Emp Number',
      'Worker ID', 'Personnel Number', 'Personnel No.', 'Pers.-Nr.', 'Personalnummer', 'Mitarbeiternummer',
      'Staff ID', 'Staff Number', 'Person ID', 'Person ID External', 'Person Number', 'Associate ID',
      'File Number', 'Employee Code', 'Matricule', 'ID',
    ],
  },
  {
    id: 'userName',
    path: 'userName',
    exact: ['userName'],
    synonyms: [
      'User ID', 'User Principal Name', 'UPN', 'Login', 'Login Name', 'Logon Name', 'Login ID', 'Network ID',
      'Benutzername', 'Benutzerkennung',
    ],
  },
  {
    id: 'active',
    path: 'active',
    exact: ['active'],
    synonyms: [
      'Status', 'Worker Status', 'Employee Status', 'Employment Status', 'Active Status', 'Is Active',
      'Position Status', 'Mitarbeiterstatus', 'Beschäftigungsstatus', 'Aktiv', 'Statut',
    ],
  },
  {
    id: 'displayName',
    path: 'displayName',
    exact: ['displayName'],
    synonyms: [
      'Full Name', 'Preferred Name', 'Employee Name', 'Worker Name', 'Legal Name', 'Anzeigename',
      'Vollständiger Name', 'Nom complet',
    ],
  },
  {
    id: 'givenName',
    path: 'name.givenName',
    exact: ['givenName'],
    synonyms: ['First Name', 'Forename', 'Vorname', 'Prénom', 'Legal First Name', 'First', 'FName'],
  },
  {
    id: 'familyName',
    path: 'name.familyName',
    exact: ['familyName'],
    synonyms: [
      'Last Name', 'Surname', 'Nachname', 'Familienname', 'Nom', 'Nom de famille', 'Legal Last Name', 'Last', 'LName',
    ],
  },
  { id: 'middleName', path: 'name.middleName', exact: ['middleName'], synonyms: ['Middle Names', 'Zweiter Vorname'] },
  {
    id: 'title',
    path: 'title',
    exact: ['title'],
    synonyms: [
      'Job Title', 'Position', 'Position Title', 'Business Title', 'Job Title Description', 'Designation',
      'Job Name', 'Stellenbezeichnung', 'Jobtitel', 'Funktion', 'Poste',
    ],
  },
  {
    id: 'userType',
    path: 'userType',
    exact: ['userType'],
    synonyms: [
      'Worker Type', 'Employee Type', 'Employment Type', 'Employee Category', 'Worker Category',
      'Worker Category Description', 'Employee Group', 'Mitarbeitertyp', 'Mitarbeitergruppe', 'Beschäftigungsart',
    ],
  },
  {
    id: 'preferredLanguage',
    path: 'preferredLanguage',
    exact: ['preferredLanguage'],
    synonyms: ['Language', 'Sprache', 'Langue'],
  },
  {
    id: 'email',
    path: 'emails[type eq "work"].value',
    exact: ['emails'],
    synonyms: [
      'Email', 'Email Address', 'Work Email', 'Work Email Address', 'Business Email', 'Company Email',
      'Primary Work Email', 'Office Email', 'Mail', 'E-Mail-Adresse', 'Geschäftliche E-Mail', 'Courriel',
    ],
  },
  {
    id: 'workPhone',
    path: 'phoneNumbers[type eq "work"].value',
    exact: ['phoneNumbers'],
    synonyms: [
      'Phone', 'Office Phone', 'Work Phone', 'Work Phone Number', 'Business Phone', 'Phone Number', 'Telephone',
      'Telephone Number', 'Telefon', 'Telefonnummer', 'Téléphone',
    ],
  },
  {
    id: 'mobilePhone',
    path: 'phoneNumbers[type eq "mobile"].value',
    exact: [],
    synonyms: [
      'Mobile', 'Mobile Phone', 'Mobile Number', 'Work Mobile', 'Cell', 'Cell Phone', 'Mobil', 'Mobiltelefon',
      'Handy', 'Portable',
    ],
  },
  {
    id: 'streetAddress',
    path: 'addresses[type eq "work"].streetAddress',
    exact: ['streetAddress'],
    synonyms: ['Street', 'Address', 'Address Line 1', 'Address 1', 'Work Address', 'Straße', 'Adresse'],
  },
  {
    id: 'locality',
    path: 'addresses[type eq "work"].locality',
    exact: ['locality'],
    synonyms: ['City', 'Town', 'Work City', 'Ort', 'Stadt', 'Ville'],
  },
  {
    id: 'region',
    path: 'addresses[type eq "work"].region',
    exact: ['region'],
    synonyms: ['State', 'State/Province', 'Province', 'Bundesland'],
  },
  {
    id: 'postalCode',
    path: 'addresses[type eq "work"].postalCode',
    exact: ['postalCode'],
    synonyms: ['Zip', 'Zip Code', 'Postcode', 'PLZ', 'Postleitzahl', 'Code postal'],
  },
  {
    id: 'country',
    path: 'addresses[type eq "work"].country',
    exact: ['country'],
    synonyms: ['Country Code', 'Two Letter Country Code', 'Country Name', 'Country/Region', 'Land', 'Pays'],
  },
  {
    id: 'costCenter',
    path: `${ENT}.costCenter`,
    exact: ['costCenter'],
    synonyms: ['Cost Centre', 'Cost Centers', 'Cost Center Code', 'Cost Center ID', 'Kostenstelle'],
  },
  {
    id: 'organization',
    path: `${ENT}.organization`,
    exact: ['organization'],
    synonyms: [
      'Company', 'Legal Entity', 'Organisation', 'Company Name', 'Employer', 'Subcompany', 'Company Code',
      'Firma', 'Unternehmen', 'Gesellschaft', 'Société',
    ],
  },
  {
    id: 'division',
    path: `${ENT}.division`,
    exact: ['division'],
    synonyms: ['Division Name', 'Business Unit', 'Bereich', 'Sparte'],
  },
  {
    id: 'department',
    path: `${ENT}.department`,
    exact: ['department'],
    synonyms: [
      'Dept', 'Department Name', 'Org Unit', 'Organizational Unit', 'Organisational Unit', 'Organization Unit',
      'Supervisory Organization', 'Home Department', 'Home Department Description', 'Abteilung',
    ],
  },
  {
    id: 'manager',
    path: `${ENT}.manager.value`,
    exact: [],
    synonyms: [
      'Manager ID', 'Manager Employee ID', 'Manager Worker ID', 'Manager Personnel Number', 'Manager Number',
      'Manager User ID', 'Supervisor ID', 'Supervisor Employee ID', 'Line Manager ID', 'Reports To ID',
      'Reports To Employee ID', 'Reports To Associate ID', 'Reports To', 'Vorgesetzter ID',
      'Vorgesetzter Personalnummer',
    ],
  },
  {
    id: 'hireDate',
    path: `${SCIMPORT_EXTENSION}.hireDate`,
    exact: ['hireDate', 'employeeHireDate'],
    synonyms: [
      'Start Date', 'Date of Joining', 'Joining Date', 'Date Joined', 'Original Hire Date', 'Hire/Rehire Date',
      'Employment Start Date', 'First Day of Work', 'Eintrittsdatum', "Date d'embauche",
    ],
  },
];

export const SLOTS: readonly Slot[] = RAW.map((s) => ({
  id: s.id,
  path: s.path,
  exact: s.exact.map(normaliseHeader),
  synonyms: s.synonyms.map(normaliseHeader),
}));

/** SCIM path of the enterprise employeeNumber, which auto-map fills from the externalId column. */
export const EMPLOYEE_NUMBER_PATH = `${ENT}.employeeNumber`;

/**
 * Headers that sit one or two typing errors away from a synonym but mean something else (`County` is not
 * `Country`, a `Manager` column holds a name, not the manager's ID). They are never fuzzy-matched.
 */
export const NEAR_MISSES: ReadonlySet<string> = new Set(
  [
    'County', 'Manager', 'Manager Name', 'Supervisor', 'Supervisor Name', 'Reports To Name', 'Home Phone',
    'Home Email', 'Personal Email', 'Private Email', 'Private Phone', 'Home Address', 'Birth Date',
    'Date of Birth', 'End Date', 'Termination Date', 'Contract End Date', 'Last Day of Work', 'Department ID',
    'Division ID', 'Company ID', 'Location', 'Location ID', 'Job Code', 'Position ID',
  ].map(normaliseHeader),
);
