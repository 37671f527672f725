/**
 * Users as the CloudHSM CLI prints them (cli-commands.md §2.5 `user list`): the core returns
 * user models; this is where they take the CLI's hyphenated JSON shape.
 */
import { isLocked, type UserView } from '../../core/users/rules.js';

const TOKEN_SIGN = { strategy: 'token-sign', status: 'enabled' } as const;

export function presentUser(user: UserView): Record<string, unknown> {
  return {
    username: user.username,
    role: user.role,
    locked: isLocked(user) ? 'true' : 'false',
    mfa: user.mfa ? [TOKEN_SIGN] : [],
    quorum: user.quorum ? [TOKEN_SIGN] : [],
    'cluster-coverage': user.coverage ?? 'full',
  };
}

export function presentUsers({ users }: { users: UserView[] }): { users: Array<Record<string, unknown>> } {
  return { users: users.map(presentUser) };
}
