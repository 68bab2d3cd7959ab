/**
 * Every write command of the collector, in one table: the writer (worker thread or in-thread)
 * prepares these on its connection, and the WriteQueue's types come from here. An owner adds
 * its commands by spreading its own table in (its file exports `xxxCommands satisfies
 * CommandTable`); names are `owner.verb` and unique.
 */
import type { CommandTable } from './types.js';
import { eventCommands } from '../event-commands.js';
import { agentCommands } from '../agent-writes.js';
import { tokenCommands } from '../token-writes.js';
import { retentionCommands } from '../retention-writes.js';
import { telemetryCommands } from '../../telemetry/store.js';
import { probeCommands } from '../../compliance/probe-commands.js';
import { alertCommands } from '../../alerts/commands.js';
import { feedCommands } from '../../feed/log.js';
import { complianceCommands } from '../../compliance/commands.js';

export const COMMANDS = {
  ...eventCommands,
  ...agentCommands,
  ...tokenCommands,
  ...retentionCommands,
  ...telemetryCommands,
  ...probeCommands,
  ...alertCommands,
  ...feedCommands,
  ...complianceCommands,
} satisfies CommandTable;

export type Commands = typeof COMMANDS;
export type CommandName = keyof Commands & string;
