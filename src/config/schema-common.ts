import { z } from 'zod';

/** An amount of USD: positive and finite. */
export const usd = z.number().positive().finite();
