/**
 * Where the built-in data lives: the repository's ruleset/ folder (decoders, detections,
 * compliance checks), found relative to this module in both src/ (tests) and dist/ (built).
 */
import { fileURLToPath } from 'node:url';

export const RULESET_DIR = fileURLToPath(new URL('../../../ruleset/', import.meta.url));
