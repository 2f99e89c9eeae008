/** The mapping form: attributes in words, read from and written to a profile's JSONata. */
export { formAttributes, scimPathOf, type Extension, type FormAttribute, type FormAttributeId } from './attributes';
export { formToMapping, mappingToForm, pathKey, type FormExtra, type FormField, type FormMapping, type MappingForm } from './form';
export { columnsOfValue, printValue, readValue, type FieldKind, type FieldValue, type TextChange } from './values';
