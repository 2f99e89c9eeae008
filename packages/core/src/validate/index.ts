export { validateUser, isEntraDateTime, isPlausibleEmail, VALIDATION_CODES } from './user';
export type { UserContext, ValidationCode } from './user';
export { FileChecks } from './file';
export { errorReportCsv, errorReportHeader, errorReportLine } from './report';
