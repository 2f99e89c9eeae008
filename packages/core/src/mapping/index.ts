/**
 * The JSONata mapping engine: compile a profile's mapping once, map rows to SCIM users with bounded
 * evaluation, and run a profile's own tests.
 */
export { compileMapping, DEFAULT_MAPPING_LIMITS } from './compile';
export type { CompiledMapping, CompileOptions, MappingLimits } from './compile';
export { mapRow, stripEmpty, toMappingInput } from './map-row';
export type { MapRowResult } from './map-row';
export { describeDifferences, PROFILE_TEST_FILE, runProfileTests } from './profile-tests';
export type { ProfileTestResult } from './profile-tests';
export { HELPER_FUNCTIONS } from './helpers';
export type { HelperFunctionInfo } from './helpers';
export { compileDatePattern, excelSerialToEntraDate, formatEntraDate, toEntraDate } from './dates';
export * from './form/index';
export { mappingHints } from './hints';
export type { MappingHint, MappingHintOptions } from './hints';
