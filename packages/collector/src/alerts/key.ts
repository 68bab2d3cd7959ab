/**
 * The name under which the alerts module provides its AlertService to the modules that
 * need it (rules' alert sink, compliance, outputs): `hooks.services.get(ALERTS)`.
 */
import { serviceKey } from '../module-contract.js';
import type { AlertService } from './service.js';

export const ALERTS = serviceKey<AlertService>('alerts');
