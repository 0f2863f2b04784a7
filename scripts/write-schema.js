// Writes schema/distiq.schema.json from the zod config schema, so editors can autocomplete .distiqrc.
import { mkdirSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/config/schema.js';

mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../schema/distiq.schema.json', import.meta.url),
  JSON.stringify(configJsonSchema(), null, 2) + '\n',
);
