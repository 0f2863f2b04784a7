import { afterEach } from 'vitest';
import { killLiveChildren } from '../helpers.js';

// A test that failed or timed out must not leave its CLI child running into the next test.
afterEach(() => killLiveChildren());
