/**
 * Checking a profile document: secrets first (a profile holding a credential is refused whatever else
 * is wrong with it), then the JSON Schema, then the rules a schema cannot say (unique attribute names,
 * a date pattern that compiles). Every problem is reported at once, each as a field path in words.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CoreError } from '../errors';
import { compileDatePattern } from '../mapping/dates';
import { PROFILE_JSON_SCHEMA } from './schema';
import { findSecrets } from './secrets';
import type { Profile } from './types';

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    addFormats(ajv, ['uri-reference']);
    // An annotation only: the phrase shown to people when the value breaks the constraint.
    ajv.addKeyword({ keyword: 'x-must-be', schemaType: 'string' });
    validator = ajv.compile(PROFILE_JSON_SCHEMA);
  }
  return validator;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Edit distance, to suggest the field a typo was meant to be. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function mustBe(error: ErrorObject): string | undefined {
  const phrase = (error.parentSchema as Record<string, unknown> | undefined)?.['x-must-be'];
  return typeof phrase === 'string' ? phrase : undefined;
}

function label(pointer: string): string {
  return pointer === '' ? 'the profile' : `field ${pointer}`;
}

/** Turns ajv's errors into one sentence per field, outermost explanation first. */
function describeErrors(errors: ErrorObject[]): { pointer: string; text: string }[] {
  const byPointer = new Map<string, { depth: number; text: string }>();
  const put = (pointer: string, text: string, depth: number): void => {
    const existing = byPointer.get(pointer);
    if (!existing || depth < existing.depth) byPointer.set(pointer, { depth, text });
  };
  for (const error of errors) {
    const depth = error.schemaPath.split('/').length;
    const at = error.instancePath === '' ? '' : error.instancePath;
    switch (error.keyword) {
      case 'required': {
        const missing = String((error.params as { missingProperty: string }).missingProperty);
        const pointer = `${at}/${escapePointer(missing)}`;
        put(pointer, `field ${pointer} is required but missing`, 0);
        break;
      }
      case 'additionalProperties': {
        const extra = String((error.params as { additionalProperty: string }).additionalProperty);
        const pointer = `${at}/${escapePointer(extra)}`;
        const known = Object.keys(((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
        const hint = suggestion(extra, known);
        put(
          pointer,
          `field ${pointer} is not a profile field` +
            (hint ? `; did you mean ${at}/${hint}?` : known.length > 0 ? `; the fields here are ${known.join(', ')}` : ''),
          0,
        );
        break;
      }
      case 'enum': {
        const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v));
        put(at || '/', `${label(at)} must be one of ${allowed.join(', ')}`, depth);
        break;
      }
      default: {
        const phrase = mustBe(error);
        if (phrase) put(at || '/', `${label(at)} must be ${phrase}`, depth);
        else put(at || '/', `${label(at)} ${error.message ?? 'is not valid'}`, depth + 1000);
      }
    }
  }
  return [...byPointer.entries()].map(([pointer, { text }]) => ({ pointer, text }));
}

/** Rules the schema cannot express; only run on a document that passed the schema. */
function extraRules(profile: Profile): { pointer: string; text: string }[] {
  const problems: { pointer: string; text: string }[] = [];
  const seen = new Map<string, number>();
  profile.extension?.attributes.forEach((attribute, i) => {
    const key = attribute.name.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
    } else {
      const pointer = `/extension/attributes/${i}/name`;
      problems.push({
        pointer,
        text: `field ${pointer} repeats the attribute name "${attribute.name}" of /extension/attributes/${first}/name; attribute names must be unique (case does not count)`,
      });
    }
  });
  const dateFormat = profile.input?.dateFormat;
  if (dateFormat !== undefined) {
    try {
      compileDatePattern(dateFormat);
    } catch (err) {
      problems.push({ pointer: '/input/dateFormat', text: `field /input/dateFormat is not usable: ${(err as Error).message}` });
    }
  }
  return problems;
}

/**
 * Checks a parsed JSON value against the profile rules and returns it typed as a Profile (a copy; the
 * input is not kept). `source` names the document in messages (a file name such as `team.json`).
 * Throws CoreError PROFILE_SECRET when anything looks like a credential, or PROFILE_INVALID naming
 * every bad field ("team.json: field /input/headerRow must be an integer ≥ 1"; all in `details`).
 */
export function parseProfile(value: unknown, source = 'profile'): Profile {
  const secrets = findSecrets(value);
  if (secrets.length > 0) {
    const details = secrets.map((s) => `field ${s.pointer} ${s.reason}`);
    throw new CoreError(
      'PROFILE_SECRET',
      `${source}: ${details.join('; ')}. Secrets belong in the environment (SCIMPORT_CLIENT_SECRET) or the OS keychain, ` +
        'never in a shared profile: remove them from the profile, and replace any secret that was shared this way.',
      { location: { file: source, field: secrets[0]?.pointer }, details },
    );
  }

  const validate = getValidator();
  let problems: { pointer: string; text: string }[];
  if (validate(value)) {
    problems = extraRules(value as Profile);
  } else {
    problems = describeErrors(validate.errors ?? []);
  }
  if (problems.length > 0) {
    const details = problems.map((p) => p.text);
    const message =
      details.length === 1
        ? `${source}: ${details[0]}`
        : `${source} has ${details.length} problems:\n${details.map((d) => `- ${d}`).join('\n')}`;
    throw new CoreError('PROFILE_INVALID', message, { location: { file: source, field: problems[0]?.pointer }, details });
  }
  return structuredClone(value) as Profile;
}
