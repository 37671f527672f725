/**
 * User model rules from users-and-auth.md §1-2 and cli-commands.md §1.5: roles, name and
 * password rules, the lockout threshold and the user quota.
 */
import { HsmError } from '../errors.js';

/** Roles as the CloudHSM CLI prints them. */
export type Role = 'unactivated-admin' | 'admin' | 'crypto-user' | 'internal(APPLIANCE_USER)';
/** Roles an operator can name with --role. */
export type LoginRole = 'admin' | 'crypto-user';
export const LOGIN_ROLES: readonly LoginRole[] = ['admin', 'crypto-user'];

export const USERNAME_MAX = 31;
export const PASSWORD_MIN = 7;
export const PASSWORD_MAX = 32;
/** users-and-auth.md §6: the account locks once five logins in a row have failed. */
export const LOCKOUT_THRESHOLD = 5;
/** users-and-auth.md §2: 1,024 users per cluster (built-in users included, [uncertain]). */
export const MAX_USERS = 1024;
export const APPLIANCE_USER = 'app_user';
export const BUILTIN_ADMIN = 'admin';
/** users-and-auth.md §4: the pre-crypto-officer's default password before activation. */
export const DEFAULT_PRECO_PASSWORD = 'password';

export interface UserRecord {
  id: number;
  username: string;
  role: Role;
  passwordHash: string;
  failedLogins: number;
  createdAt: number;
  /**
   * The user's registered token-sign public key (SPKI PEM, RSA-2048): one key per user serves
   * both MFA and quorum approvals (users-and-auth.md §7).
   */
  publicKeyPem?: string;
  /** Whether logins need the token-sign second factor (`user change-mfa token-sign`). */
  mfa?: boolean;
  /** Whether the key is registered for quorum approvals (`user change-quorum token-sign register`). */
  quorum?: boolean;
}

/** A user as operations return it: no password hash nor key; with `coverage` when listed (users-and-auth.md §6). */
export type UserView = Omit<UserRecord, 'passwordHash' | 'publicKeyPem'> & { coverage?: 'full' | 'inconsistent' };

export function viewOfUser({ passwordHash: _hash, publicKeyPem: _key, ...view }: UserRecord): UserView {
  return view;
}

/** Usernames are case-insensitive and stored lowercase. */
export function normaliseUsername(input: string): string {
  if (typeof input !== 'string' || input.length === 0) {
    throw new HsmError('INVALID_USERNAME', 'a username is required: give --username with 1 to 31 letters, digits or underscores');
  }
  if (input.length > USERNAME_MAX) {
    throw new HsmError('INVALID_USERNAME', `username is ${input.length} characters long; the limit is ${USERNAME_MAX}`);
  }
  if (!/^[A-Za-z0-9_]+$/.test(input)) {
    throw new HsmError('INVALID_USERNAME', 'username may hold only letters, digits and underscore (_); choose a name without other characters');
  }
  return input.toLowerCase();
}

export function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    const length = typeof password === 'string' ? password.length : 0;
    throw new HsmError(
      'INVALID_PASSWORD',
      `password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long; the one given has ${length}`,
    );
  }
  // password.ts: a NUL at the end would hash as the password without it.
  if (password.includes('\0')) throw new HsmError('INVALID_PASSWORD', 'password must not hold a NUL character; choose one without it');
}

export function checkLoginRole(role: string): LoginRole {
  if (!LOGIN_ROLES.includes(role as LoginRole)) {
    throw new HsmError('INVALID_ARGUMENT', `role must be admin or crypto-user, not "${role}"`);
  }
  return role as LoginRole;
}

export function isLocked(user: Pick<UserRecord, 'failedLogins'>): boolean {
  return user.failedLogins >= LOCKOUT_THRESHOLD;
}

/** `an admin`, `a crypto-user`: a role as messages name it. */
export function roleName(role: string): string {
  return role === 'admin' ? 'an admin' : role === 'crypto-user' ? 'a crypto-user' : `a ${role}`;
}
