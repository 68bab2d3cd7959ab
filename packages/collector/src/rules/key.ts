/**
 * The name under which the rules module provides its running engine (LiveRules): for
 * modules and tests that read its state, `services.get(RULES)`.
 */
import { serviceKey } from '../module-contract.js';
import type { LiveRules } from './live.js';

export const RULES = serviceKey<LiveRules>('rules');
