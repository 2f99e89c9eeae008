/**
 * The mapping editor's services: a syntax check with the position of the mistake (for the underline), the
 * selected row mapped and validated as the person types, and the profile's own tests.
 */
import {
  compileMapping,
  formToMapping,
  isCoreError,
  mappingHints,
  mappingToForm,
  mapRow,
  runProfileTests,
  validateUser,
  type CompiledMapping,
  type Extension,
  type MappingForm,
  type Profile,
} from '@scimport/core';
import type { MappingSyntaxProblem, ProfileData, Responses } from '../../shared/contract';
import type { MappingFormView } from '../../shared/mapping-form';
import type { TableService } from './tables';

/** One-based line and column of a zero-based offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const lines = text.slice(0, Math.max(0, offset)).split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/** The mapping compiled, or the syntax problem with its position. Other errors (bad limits) are thrown. */
export function compileOrProblem(profile: Pick<ProfileData, 'mapping' | 'lookups' | 'input'>): { compiled: CompiledMapping } | { problem: MappingSyntaxProblem } {
  try {
    return { compiled: compileMapping(profile as Pick<Profile, 'mapping' | 'lookups' | 'input'>) };
  } catch (error) {
    if (isCoreError(error) && error.code === 'MAPPING_SYNTAX') {
      const position = Math.min(profile.mapping.length, Math.max(0, error.location.position ?? 0));
      // The core's message ends with a caret excerpt for terminals; the editor underlines instead.
      const message = error.message.split('\n')[0] ?? error.message;
      return { problem: { message, position, ...lineAndColumn(profile.mapping, position) } };
    }
    throw error;
  }
}

export class MappingService {
  constructor(private readonly tables: TableService) {}

  check(mapping: string): Responses['mapping:check'] {
    const result = compileOrProblem({ mapping });
    return 'problem' in result ? { ok: false, problem: result.problem } : { ok: true };
  }

  async preview(tableId: string, index: number, profile: ProfileData): Promise<Responses['mapping:preview']> {
    const table = this.tables.get(tableId);
    const { source, view } = this.tables.sourceRow(tableId, index);
    const compiled = compileOrProblem(profile);
    if ('problem' in compiled) return { row: view, findings: [], syntax: compiled.problem };
    const mapping = compiled.compiled;
    const { user, findings } = await mapRow(mapping, source, table.columns);
    if (user) {
      const byHeader = new Map(table.columns.map((c) => [c.header, c]));
      findings.push(
        ...validateUser(user, profile as Pick<Profile, 'extension'>, {
          file: source.origin.file,
          ...(source.origin.sheet ? { sheet: source.origin.sheet } : {}),
          row: source.origin.row,
          cellsFor: (path) => mapping.headersFor(path).flatMap((h) => {
            const c = byHeader.get(h);
            return c ? [{ header: c.header, letter: c.letter }] : [];
          }),
        }),
      );
    }
    return { row: view, ...(user ? { user } : {}), findings };
  }

  /** The mapping as the form shows it. */
  toForm(mapping: string, extension?: ProfileData['extension']): Responses['mapping:toForm'] {
    const form: MappingFormView = mappingToForm(mapping, extension as Extension | undefined);
    return form;
  }

  /** The form written as JSONata (the request schema has checked the form's shape). */
  fromForm(form: MappingFormView, extension?: ProfileData['extension']): Responses['mapping:fromForm'] {
    const written = formToMapping(form as MappingForm, extension as Extension | undefined);
    return { mapping: written.mapping, ...(written.extension ? { extension: written.extension } : {}) };
  }

  /** Mistakes in the mapping for the open file's columns. */
  hints(tableId: string, mapping: string): Responses['mapping:hints'] {
    const table = this.tables.get(tableId);
    return { hints: mappingHints(mapping, table.columns.map((c) => c.header)) };
  }

  async tests(profile: ProfileData): Promise<Responses['mapping:tests']> {
    const results = await runProfileTests(profile as unknown as Profile);
    return { results: results.map((r) => ({ name: r.name, passed: r.passed, differences: r.differences, ...(r.error ? { error: r.error } : {}) })) };
  }
}
