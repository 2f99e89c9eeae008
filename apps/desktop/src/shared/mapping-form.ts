/**
 * The mapping form as it crosses the bridge: the same shapes as @scimport/core's MappingForm and
 * MappingHint, declared here because the renderer may not import the core. The services' side checks that
 * the two stay assignable (see main/services/mapping.ts), so a change in the core fails to compile here.
 */
import { z } from 'zod';

const column = z.string().max(1000);
const text = z.string().max(100_000);

/** What fills one attribute (core: FieldValue). */
export const fieldValueSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('column'), column, change: z.enum(['asIs', 'text', 'trim', 'title', 'upper', 'lower']) }).strict(),
  z.object({ kind: z.literal('date'), column, format: z.string().max(100).optional() }).strict(),
  z.object({ kind: z.literal('enabledWhen'), column, value: text, ignoreCase: z.boolean(), blankLeavesOut: z.boolean() }).strict(),
  z.object({ kind: z.literal('yesNo'), column }).strict(),
  z.object({ kind: z.literal('lookup'), column, table: z.string().max(200), fallback: text.optional() }).strict(),
  z.object({ kind: z.literal('join'), columns: z.array(column).max(50), separator: z.string().max(100) }).strict(),
  z.object({ kind: z.literal('upn'), given: column, family: column, domain: z.string().max(253) }).strict(),
  z.object({ kind: z.literal('constant'), value: z.union([text, z.number(), z.boolean()]) }).strict(),
  z.object({ kind: z.literal('advanced'), text: z.string().max(1_000_000) }).strict(),
]);

export type FieldValueView = z.infer<typeof fieldValueSchema>;
export type FieldKindView = FieldValueView['kind'];
export type TextChangeView = Extract<FieldValueView, { kind: 'column' }>['change'];

const path = z.array(z.string().max(1000)).min(1).max(20);

export const mappingFormSchema = z
  .object({
    fields: z
      .array(
        z.object({
          id: z.string().max(300),
          label: z.string().max(1000),
          help: z.string().max(2000),
          path,
          scimPath: z.string().max(2000),
          required: z.boolean(),
          suggested: z.array(z.enum(['column', 'date', 'enabledWhen', 'yesNo', 'lookup', 'join', 'upn', 'constant', 'advanced'])).max(20),
          value: fieldValueSchema.optional(),
          locked: z.boolean().optional(),
        }),
      )
      .max(500),
    extras: z.array(z.object({ path, text: z.string().max(1_000_000) })).max(1000),
    guards: z.record(z.string().max(5000), z.boolean()),
    order: z.array(z.string().max(5000)).max(5000),
    verbatim: z.string().max(1_000_000).optional(),
  })
  .strict();

/** One line of the form (core: FormField). */
export interface FormFieldView {
  id: string;
  label: string;
  help: string;
  path: string[];
  scimPath: string;
  required: boolean;
  suggested: FieldKindView[];
  value?: FieldValueView;
  locked?: boolean;
}

/** A mapping as the form shows it (core: MappingForm). */
export interface MappingFormView {
  fields: FormFieldView[];
  extras: { path: string[]; text: string }[];
  guards: Record<string, boolean>;
  order: string[];
  verbatim?: string;
}

/** A mistake in the mapping, where it is and in words (core: MappingHint). */
export interface MappingHintView {
  from: number;
  to: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
  replacement?: string;
}

export const extensionSchema = z.looseObject({
  namespace: z.string().max(500),
  attributes: z.array(z.looseObject({ name: z.string().max(200), type: z.string().max(40) })).max(500),
});
