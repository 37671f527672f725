/** Text for people of the CloudHSMv2 Backup objects (the JSON is the object itself). */
import type { BackupDescription } from '../../core/cluster/shapes.js';
import { Flags } from '../oclif.js';

export const backupIdFlag = Flags.string({ description: 'The backup (its ID, or its ARN); `backup list` shows them.', required: true, helpValue: '<BACKUP_ID>' });

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** One line per backup: ID, state, cluster, when made, and what else applies. */
export function backupLine(b: BackupDescription): string {
  const extra = [
    b.NeverExpires ? 'never expires' : '',
    b.DeleteTimestamp === undefined ? '' : `deleted for good at ${iso(b.DeleteTimestamp)}`,
    b.TagList.length ? `tags: ${b.TagList.map((t) => `${t.Key}=${t.Value}`).join(', ')}` : '',
  ].filter(Boolean);
  return `${b.BackupId}  ${b.BackupState.padEnd(16)}  ${b.ClusterId}  ${iso(b.CreateTimestamp)}${extra.length ? `  (${extra.join('; ')})` : ''}\n`;
}
