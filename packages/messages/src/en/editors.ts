/**
 * English messages: the renderer's editors (custom attributes, lookup tables, the JSONata editor, the rows grid)
 * and the errors the renderer's bridge client raises itself. Keys are stable; values are ICU MessageFormat
 * (`{name}`, `{count, plural, one {# row} other {# rows}}`). An ASCII apostrophe right before a brace starts ICU
 * quoting, so a value in apostrophes is written `''{table}''`; one inside a word (app's) stays as it is.
 */
export const editors = {
  // Custom attributes (the profile's SCIM extension). The accessible names are the ones the e2e test uses.
  'app.editors.custom.lead':
    'For what Entra ID has no standard place for (a cost center, a badge number). The provisioning job must know each one — the checks before an upload say so if it does not.',
  'app.editors.custom.space': 'Extension name',
  'app.editors.custom.caption': 'Custom attributes of the profile',
  'app.editors.custom.colName': 'Name',
  'app.editors.custom.colType': 'Type',
  'app.editors.custom.colMultiValued': 'Several values',
  'app.editors.custom.colRemove': 'Remove',
  'app.editors.custom.typeString': 'Text',
  'app.editors.custom.typeInteger': 'Whole number',
  'app.editors.custom.typeBoolean': 'Yes/no',
  'app.editors.custom.typeDateTime': 'Date and time',
  'app.editors.custom.name': 'Name of custom attribute {n}',
  'app.editors.custom.type': 'Type of custom attribute {n}',
  'app.editors.custom.multiValued': 'Custom attribute {n} holds several values',
  'app.editors.custom.remove': 'Remove {name}',
  'app.editors.custom.removeUnnamed': 'Remove attribute {n}',
  'app.editors.custom.add': 'Add a custom attribute',
  'app.editors.custom.badSpace': 'The extension name may hold only letters, digits, _ and - (for example "contoso").',
  'app.editors.custom.badName': 'Attribute {n}: the name must start with a letter and hold only letters, digits and _ (for example "costCenter").',
  'app.editors.custom.twice': 'Attribute {n}: "{name}" is there twice; each name once.',
  'app.editors.custom.notSaved': '{problem} Not in the profile until this is fixed.',
  'app.editors.custom.usage': 'In the mapping, send them under the extension:',

  // Lookup tables for $lookup(table, key)
  'app.editors.lookup.table': 'Table',
  'app.editors.lookup.newName': 'New table name',
  'app.editors.lookup.add': 'Add table',
  'app.editors.lookup.entries': 'Entries of "{table}", one per line:',
  'app.editors.lookup.format': 'value in the file = value to send',
  'app.editors.lookup.badLines': 'Line {lines} has no "=": write it as "value in the file = value to send".',
  'app.editors.lookup.usage': "Use it in the mapping as $lookup(''{table}'', Column).",

  // The JSONata editor's completions, the rows grid and the mapping form's sign-in name domain
  'app.editors.jsonata.column': 'column',
  'app.editors.grid.row': 'Row',
  'app.editors.upn.domainExample': 'contoso.com',

  // Errors of the bridge client itself (the services could not be asked, or answered in a way it cannot read)
  'app.client.connection': "The app's background service is not answering. Check that `pnpm dev:web` is still running, then reload the page.",
  'app.client.refused': "This page is not connected to the app's service. Open the full address the bridge printed (it ends in #token=…).",
  'app.client.internal': "The app's service refused the request ({status}). Reload the page.",
  'app.client.unreadable': 'The app received an answer it does not understand. Restart the app; if it happens again, report it.',
} as const;
