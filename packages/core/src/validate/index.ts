export { validateUser, isEntraDateTime, isPlausibleEmail, VALIDATION_CODES } from './user';
export type { UserContext, ValidationCode } from './user';
export { FileChecks } from './file';
export { errorReportCsv, errorReportHeader, errorReportLine } from './report';
export { FindingGrouper, groupFindings } from './group';
export type { FindingGroup, FindingGroupPerson, GroupOptions } from './group';
export { countryVerdict, isCountryCode, type CountryVerdict } from './country';
export { personOf } from './words';
