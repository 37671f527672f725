/**
 * The quorum approval flags (cli-commands.md §3.7-3.25): each names a signed quorum token file.
 * BaseCommand.perform reads the ones a command declares and hands them to the core, which checks
 * them (engine.ts `approve`); no command looks at them itself.
 */
import { Flags } from './oclif.js';

/** The flag names that carry approval files. */
export const APPROVAL_FLAGS = ['approval', 'payload-approval', 'wrapping-approval'] as const;

const approvalFile = (description: string) => Flags.string({ description, helpValue: '<APPROVAL>' });

export const approvalFlag = {
  approval: approvalFile('Signed quorum token file, needed when the quorum value is above 1 (see `quorum token-sign generate`).'),
};

export const wrapApprovalFlags = {
  'payload-approval': approvalFile("Signed quorum token file for the payload key's manage quorum, when it is above 1."),
  'wrapping-approval': approvalFile("Signed quorum token file for the wrapping key's manage quorum, when it is above 1."),
};
