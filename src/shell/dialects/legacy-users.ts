/**
 * The user types both legacy shells print and take (users-and-auth.md §1, legacy-shells.md §2/§3).
 */
import { BUILTIN_ADMIN, type UserView } from '../../core/users/rules.js';

/** PRECO: the admin before activation; PCO: the activated built-in admin; AU: the appliance user. */
export type UserType = 'CO' | 'PCO' | 'CU' | 'PRECO' | 'AU';

/** The type a legacy shell shows for a user: the activated built-in admin is the PCO, other admins are COs. */
export function userType(user: Pick<UserView, 'role' | 'username'>): UserType {
  switch (user.role) {
    case 'unactivated-admin':
      return 'PRECO';
    case 'admin':
      return user.username === BUILTIN_ADMIN ? 'PCO' : 'CO';
    case 'crypto-user':
      return 'CU';
    default:
      return 'AU';
  }
}

/** listUsers' MofnPubKey and 2FA columns: a registered quorum key, MFA (users-and-auth.md §7-8). */
export function yesNo(flag: boolean | undefined): string {
  return flag ? 'YES' : 'NO';
}
