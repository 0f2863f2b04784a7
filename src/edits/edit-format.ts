import { z } from 'zod';

// Applying the format: model edits become whole-file edits (resolve-edits.ts), one search/replace
// at a time (search-replace.ts); both are exported here, where the stages import the format.
export { EditApplyError } from './search-replace.js';
export { resolveEdits } from './resolve-edits.js';

/**
 * The edit format models answer with (documented in the README):
 * {"edits": [{"path": "src/a.ts", "search": "exact old text", "replace": "new text"}]}
 * `search` empty means: create the file. Paths are relative to the repo root.
 */
export const EditsSchema = z
  .object({
    edits: z
      .array(
        z.object({ path: z.string().min(1), search: z.string(), replace: z.string() }).strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();
export type Edits = z.infer<typeof EditsSchema>;

/** Sent to providers; kept to the keywords every structured-output implementation accepts (no min/max). */
export const EDITS_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    edits: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          search: { type: 'string' },
          replace: { type: 'string' },
        },
        required: ['path', 'search', 'replace'],
        additionalProperties: false,
      },
    },
  },
  required: ['edits'],
  additionalProperties: false,
};
