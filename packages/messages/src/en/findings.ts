/**
 * English messages: findings. Keys are stable; values are ICU MessageFormat
 * (`{name}`, `{count, plural, one {# person} other {# people}}`, `{n, number}`).
 *
 * Written for the HR person who fixes the file in Excel: say the column or the attribute in everyday words,
 * the value as the file shows it (in backticks), and what to do. SCIM paths, RFC and ISO numbers stay out of
 * the sentence (the finding's `path` carries the SCIM path for Technical details). Mapping names such as
 * `$entraDate()` appear only where the fix is made in the mapping. Row numbers and ids are passed as text so
 * they are never shown with thousands separators. Literal braces are quoted: '{' and '}'. Messages written on
 * every row keep to Latin-1 (' not ’, ... not …): one character beyond it makes V8 store every string it is
 * joined into with two bytes a character, which at 50k rows raised the transform's peak memory by ~20 MB.
 */
export const findings = {
  // -- Attributes in everyday words (used when no column header is known) ----------------------------
  'finding.field.userName': 'Sign-in name',
  'finding.field.externalId': 'Employee id',
  'finding.field.displayName': 'Display name',
  'finding.field.name': 'Name',
  'finding.field.name.givenName': 'First name',
  'finding.field.name.familyName': 'Last name',
  'finding.field.name.middleName': 'Middle name',
  'finding.field.name.formatted': 'Full name',
  'finding.field.nickName': 'Nickname',
  'finding.field.title': 'Job title',
  'finding.field.userType': 'User type',
  'finding.field.active': 'Account enabled',
  'finding.field.preferredLanguage': 'Preferred language',
  'finding.field.locale': 'Locale',
  'finding.field.timezone': 'Time zone',
  'finding.field.emails': 'Email addresses',
  'finding.field.emails.value': 'Email',
  'finding.field.emails.type': 'Email type',
  'finding.field.phoneNumbers': 'Phone numbers',
  'finding.field.phoneNumbers.value': 'Phone number',
  'finding.field.phoneNumbers.type': 'Phone type',
  'finding.field.addresses': 'Addresses',
  'finding.field.addresses.country': 'Country',
  'finding.field.addresses.locality': 'City',
  'finding.field.addresses.region': 'State or region',
  'finding.field.addresses.postalCode': 'Postal code',
  'finding.field.addresses.streetAddress': 'Street address',
  'finding.field.addresses.type': 'Address type',
  'finding.field.employeeNumber': 'Employee number',
  'finding.field.costCenter': 'Cost center',
  'finding.field.organization': 'Company',
  'finding.field.division': 'Division',
  'finding.field.department': 'Department',
  'finding.field.manager': 'Manager',
  'finding.field.manager.value': 'Manager',

  // -- A value as a person recognises it from the sheet ----------------------------------------------
  'finding.shown.text': 'the text `{value}`',
  'finding.shown.number': 'the number {value}',
  'finding.shown.boolean': 'the value {value}',
  'finding.shown.secretText': 'a text',
  'finding.shown.secretNumber': 'a number',
  'finding.shown.secretBoolean': 'a true/false value',
  'finding.shown.null': 'empty (null)',
  'finding.shown.list': '{count, plural, one {a list of # value} other {a list of # values}}',
  'finding.shown.object': 'a group of values',
  'finding.shown.other': 'a value of type {type}',

  // -- Where other rows are ---------------------------------------------------------------------------
  'finding.rows.one': 'row {row}',
  'finding.rows.many': 'rows {list}',
  'finding.rows.named': '{name} (row {row})',
  'finding.rows.elsewhere': '{file} row {row}',
  'finding.rows.elsewhereSheet': '{file} sheet "{sheet}" row {row}',
  'finding.rows.namedElsewhere': '{name} ({where})',
  'finding.rows.more': '{count} more',
  'finding.rows.mixedCase': '{list} (Entra ignores upper/lower case here)',

  // -- One mapped person ------------------------------------------------------------------------------
  'finding.cell.error':
    'Cell {cell} ({header}) holds the Excel error {error}, so it is treated as empty; fix the formula in the workbook if the value matters.',
  'finding.user.notObject':
    "The mapping produced {shown} for this row instead of one person; make the mapping return a single '{' ... '}' object.",
  'finding.attribute.readOnly': '{field} is set by Entra itself and ignored when sent; remove `{name}` from the mapping.',
  'finding.value.notList': '{field} must be a list ([ ... ]) but is {shown}; wrap the value in [ ] in the mapping.',
  'finding.primary.multiple':
    '{field} has {count} entries marked as the main one (primary), but only one may be; mark only one as primary in the mapping.',
  'finding.value.notSingle': '{field} takes one value but is {shown}; map a single value to it.',
  'finding.value.null':
    '{field} is null; leave it out of the mapping when there is no value, because a null may clear the value in Entra.',
  'finding.value.notString.convert': '{field} is {shown} but must be text; wrap the expression with $string() in the mapping.',
  'finding.value.notString.single': '{field} is {shown} but must be text; map a single text value to it.',
  'finding.email.invalid':
    '{field} `{value}` is not an email address Entra accepts (name@domain.com, no spaces); correct it in the file, or leave the email out when the cell is empty.',
  'finding.value.notBoolean': '{field} is {shown} but must be true or false; convert it with $bool() in the mapping.',
  'finding.value.notInteger': '{field} is {shown} but must be a whole number; convert it with $number() in the mapping.',
  'finding.value.notNumber': '{field} is {shown} but must be a number; convert it with $number() in the mapping.',
  'finding.value.dateOnly':
    '{field} is the date `{value}` without a time, but Entra needs `{value}T00:00:00Z`; convert it with $entraDate() in the mapping.',
  'finding.value.notDateTime':
    '{field} is {shown}, which is not a date with a time like 2021-05-01T00:00:00Z; convert it with $entraDate() in the mapping.',
  'finding.value.notObject':
    "{field} must be a group of values such as '{' \"{example}\": ... '}' but is {shown}; put the value inside the group in the mapping.",
  'finding.type.unknown.near':
    '{field} is `{value}`, which is not one of {allowed}; Entra looks for these exact words, so use `{near}`.',
  'finding.type.unknown.list':
    '{field} is `{value}`, which is not one of {allowed}; Entra looks for these exact words, so use one of them.',
  'finding.attribute.case':
    'The mapping writes `{name}`: did you mean `{near}`? Entra tells upper and lower case apart in attribute names, so rename it in the mapping.',
  'finding.attribute.unknown.guess':
    'The mapping writes `{name}`, which is not {what}: did you mean `{guess}`? Rename it in the mapping.',
  'finding.attribute.unknown.none':
    'The mapping writes `{name}`, which is not {what}; remove it from the mapping or rename it to an attribute Entra knows.',
  'finding.attribute.what':
    '{kind, select, core {an Entra user attribute} enterprise {an enterprise attribute} custom {one of the profile\'s custom attributes (declare it there with its type)} sub {a part of {parent}} other {an attribute Entra knows}}',
  'finding.attribute.elsewhere':
    '`{name}` is not a core user attribute: it belongs inside the {kind, select, enterprise {enterprise extension} other {profile\'s custom extension}} block `{urn}` (as `{near}`); move it there in the mapping.',
  'finding.attribute.required':
    '{field} is required by the profile\'s custom attributes but is missing; map a column to it or fill the empty cells.',
  'finding.extension.notObject':
    "`{urn}` must be a group of {kind, select, enterprise {enterprise} other {custom}} attributes ('{' ... '}') but is {shown}; fix the mapping.",
  'finding.extension.coreUrn':
    'Core attributes must sit at the top level of the person, not inside `{urn}`; move them out of that block in the mapping.',
  'finding.extension.case':
    '`{name}` differs from `{near}` only by upper/lower case, and Entra matches these names exactly; rename the block in the mapping.',
  'finding.extension.undeclared.other':
    '`{name}` is not the profile\'s custom extension namespace (`{urn}`); rename the block to that namespace or remove it from the mapping.',
  'finding.extension.undeclared.none':
    '`{name}` is not declared in the profile; declare this namespace and its attributes as the profile\'s custom extension, or remove the block from the mapping.',
  'finding.externalId.missing':
    'This person has no employee id, which Entra matches people by; choose the employee id column in the mapping.',
  'finding.externalId.empty':
    '{field} is empty, but Entra matches people by their employee id; fill the cell in the file or fix the mapping.',
  'finding.externalId.whitespace':
    '{field} `{value}` starts or ends with spaces, which Entra keeps when matching people; remove the spaces in the file or trim them with $trim() in the mapping.',
  'finding.userName.missing':
    'This person has no sign-in name (name@your-domain), which every Entra account needs; choose the column for it in the mapping.',
  'finding.userName.empty':
    '{field} is empty, but every Entra account needs a sign-in name (name@your-domain); fill the cell in the file or fix the mapping.',
  'finding.userName.notUpn':
    'Sign-in name `{value}` is not an email-style name (name@your-domain), which Entra needs to sign the person in; on the Mapping screen, choose "Built as first.last@domain" for the sign-in name, or a column that holds work email addresses.',
  'finding.country.meant':
    'Country `{value}` is not a country code Entra accepts: use `{code}` ({country}); correct the {header} column, or translate it with a lookup table on the Mapping screen.',
  'finding.country.region':
    'Country `{value}` is a group of countries, not one country; put the two-letter code of the person\'s country (such as US, GB or DE) in the {header} column.',
  'finding.country.unknown':
    'Country `{value}` is not a country code Entra accepts; put the two-letter code of the person\'s country (such as US, GB or DE) in the {header} column.',
  'finding.country.column': 'country',
  'finding.entry.notWork':
    '{kind, select, emails {Email} phoneNumbers {Phone number} other {Address}} `{value}` is marked `{type}`, and Entra only takes work {kind, select, emails {email addresses} phoneNumbers {phone numbers} other {addresses}}: it ignores this one. Mark it work on the Mapping screen, or leave it out; the person is still sent.',
  'finding.entry.noType':
    '{kind, select, emails {Email} phoneNumbers {Phone number} other {Address}} `{value}` has no type, and Entra only takes work {kind, select, emails {email addresses} phoneNumbers {phone numbers} other {addresses}}: it ignores this one. Mark it work on the Mapping screen; the person is still sent.',
  'finding.id.present': 'The mapping sets `{name}`, but Entra assigns ids itself; remove it from the mapping.',
  'finding.schemas.invalid':
    'The mapping sets `schemas` to something other than a list of names; scimport fills it in when sending, so you can remove it from the mapping.',
  'finding.schemas.unexpected':
    'The mapping lists `{urn}` in `schemas`, which this profile does not use; scimport fills the list in when sending, so remove it from the mapping.',
  'finding.manager.self':
    '{field} `{value}` is this person\'s own employee id; correct the manager column (leave it empty for someone without a manager).',

  // -- Across the whole file --------------------------------------------------------------------------
  'finding.externalId.duplicate':
    '{field} `{value}` is also used by {others}; each person needs their own {field}, so none of these rows is sent until the duplicates are fixed.',
  'finding.userName.duplicate':
    'Sign-in name `{value}` is also used by {others}; each person needs their own sign-in name, so none of these rows is sent until each has a different one.',
  'finding.manager.notInFile':
    'Manager `{value}` is not the employee id of anyone in this file: fine if the manager is already in Entra; if not, the manager link will fail, so check the {header} column.',
  'finding.manager.rejected':
    'Manager `{value}` ({others}) has errors and is not sent, so unless the manager is already in Entra the manager link will fail; fix the manager\'s row first.',
  'finding.manager.cycle':
    'The manager chain of `{id}` (manager `{manager}`) loops back on itself, so Entra cannot set every manager in it; correct the manager column so the chain ends at someone without a manager.',
  'finding.file.noRows':
    '{where} has a header on row {row} but no rows of people under it. Check that this is the right export (and that no filter hid the rows), or give the header row\'s number if the header was detected in the wrong place.',
  'finding.file.where': '{file}',
  'finding.file.whereSheet': '{file}, sheet "{sheet}"',
  'finding.mapping.unknownColumn':
    'The mapping reads the column `{name}`, which is not in this file; everything taken from it will be empty. Correct the name in the mapping, or check that this is the right file.',
  'finding.mapping.unknownColumn.near':
    'The mapping reads the column `{name}`, which is not in this file (did you mean `{near}`?); everything taken from it will be empty. Correct the name in the mapping, or check that this is the right file.',

  // -- Groups: one per problem, with the people it concerns --------------------------------------------
  'finding.group.text': '{title}: {people}. {advice}',
  'finding.group.textNoPeople': '{title}. {advice}',
  'finding.group.person': '{name} (row {row})',
  'finding.group.personNoName': 'row {row}',
  'finding.group.personWithValue': '{person}: {value}',
  'finding.group.more': '{count, number} more',
  'finding.group.externalId.duplicate.title':
    '{field} {value} is used by {count, plural, one {# person} other {# different people}}',
  'finding.group.externalId.duplicate.advice': 'None of them is sent until each has their own {field}.',
  'finding.group.externalId.duplicate.sameTitle': '{field} {value} is on {count, plural, one {# row} other {# rows}}, all for {name}',
  'finding.group.externalId.duplicate.sameAdvice':
    'Keep one row for {name} and remove the others; none of these rows is sent until then.',
  'finding.group.externalId.duplicate.alsoUserName':
    'None of them is sent until each has their own {field} and their own sign-in name (they share {signIn} too).',
  'finding.group.userName.duplicate.title':
    'Sign-in name {value} is used by {count, plural, one {# person} other {# different people}}',
  'finding.group.userName.duplicate.advice': 'None of them is sent until each has their own sign-in name.',
  'finding.group.country.title':
    'Country {value} is not a country code Entra accepts ({count, plural, one {# person} other {# people}})',
  'finding.group.country.meant':
    'Use {code} ({country}): correct the {header} column, or translate it with a lookup table on the Mapping screen.',
  'finding.group.country.region':
    '{value} is a group of countries: put each person\'s own two-letter country code (such as US, GB or DE) in the {header} column.',
  'finding.group.country.unknown':
    'Put each person\'s two-letter country code (such as US, GB or DE) in the {header} column.',
  'finding.group.userName.notUpn.title':
    '{count, plural, one {# sign-in name is} other {# sign-in names are}} not email-style (name@your-domain), such as {value}',
  'finding.group.userName.notUpn.advice':
    'Entra signs people in with names like name@your-domain; on the Mapping screen, choose "Built as first.last@domain" for the sign-in name, or a column that holds work email addresses. These people are still sent.',
  'finding.group.manager.notInFile.title':
    '{count, plural, one {# person has a manager} other {# people have managers}} who {count, plural, one {is} other {are}} not in this file ({values})',
  'finding.group.manager.notInFile.advice':
    'Nothing to do if these managers are already in Entra; otherwise add them to the file, or the manager link fails. These people are still sent.',
  'finding.group.manager.rejected.title':
    '{count, plural, one {# person has a manager} other {# people have managers}} who {count, plural, one {is} other {are}} held back by errors ({values})',
  'finding.group.manager.rejected.advice':
    'Fix the managers\' own rows first; until then the manager link fails unless the manager is already in Entra. These people are still sent.',
  'finding.group.entry.notWork.title':
    '{kind, select, emails {Email addresses} phoneNumbers {Phone numbers} other {Addresses}} {type, select, none {without a type} other {marked {type}}} are ignored by Entra ({count, plural, one {# person} other {# people}})',
  'finding.group.entry.notWork.advice':
    'Entra only takes work {kind, select, emails {email addresses} phoneNumbers {phone numbers} other {addresses}}. Mark them work on the Mapping screen, or leave them out. These people are still sent.',
  'finding.group.manager.self.title':
    '{count, plural, one {# person is named as their own manager} other {# people are named as their own manager}}',
  'finding.group.manager.self.advice':
    'Correct the manager column; leave it empty for someone without a manager.',
  'finding.group.generic.advice':
    '{count, plural, one {This concerns one person.} other {The same problem is on # rows.}}',
  'finding.group.generic.adviceFile': 'This concerns the whole file, not one person.',
  'finding.group.overflow.title': '{count, plural, one {# more problem} other {# more problems}} of this kind, such as: {message}',
  // -- Feeds: several HR files sharing one provisioning job ----------------------------------------------
  'finding.feed.derived':
    'This profile uploads as the feed "{feed}", a name taken from the profile\'s name; set "feed" in the profile to keep it if the profile is renamed.',
  'finding.feed.adopted':
    'The {count, plural, one {person} other {# people}} of earlier uploads to this job now belong to the feed "{feed}", the first feed to upload here. Nothing else changes.',
  'finding.feed.secondFeed':
    'This is the first upload of the feed "{feed}" to a provisioning job that {count, plural, one {the feed {others} already uses} other {the feeds {others} already use}}. Each feed only disables its own people. Microsoft also supports one provisioning app per HR source (FAQ "Can we create more than one app…"); feeds are the way to share one app.',
  'finding.feed.movedIn':
    '{count, plural, one {# person moves} other {# people move}} to the feed "{feed}" from another feed ({list}). From now on "{feed}" sends them, and their old feed does not disable them.',
  'finding.feed.movedOut':
    '{count, plural, one {# person} other {# people}} of the feed "{feed}" {count, plural, one {is} other {are}} now listed by another feed ({list}). They are not leavers and are not disabled.',
  'finding.feed.move': '{person} ({feed})',
  'finding.feed.noFeed': 'no feed',
  'finding.feed.more': '{count, number} more',
  'finding.feed.conflict':
    '{person} is listed by the feed "{feed}"{hasRow, select, yes { (row {row})} other {}} and by the feed "{other}". Only "{winner}" sends this person, {decidedBy, select, precedence {because its profile ranks first (precedence)} other {because it sent them last and the profiles do not rank one feed first; give one profile a lower "precedence" number to decide}}. Remove the person from the other file if they belong to one source only.',
  'finding.feed.moreConflicts': '{count, plural, one {# more person is} other {# more people are}} listed by two feeds.',
  'finding.feed.gatePeople': '{count, plural, one {# person} other {# people}} of the feed "{feed}"',
  'finding.text.control':
    '{field} `{value}` holds an invisible control character ({character}), which Entra refuses, so this person is not sent; retype the cell in the file (the character often comes from copying out of another program or a damaged export).',
  'finding.text.userNameSpaces':
    'Sign-in name `{value}` {where, select, edge {starts or ends with a space} other {holds a space}}, which Entra refuses in a sign-in name, so this person is not sent; remove the spaces in the file, or trim them with $trim() in the mapping.',
} as const;
