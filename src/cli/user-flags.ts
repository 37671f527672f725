import { Flags } from './oclif.js';
import { LOGIN_ROLES } from '../core/users/rules.js';

export const userFlags = {
  username: Flags.string({ description: 'User name: 1-31 letters, digits or underscores (case-insensitive).', required: true, helpValue: '<USERNAME>' }),
  role: Flags.option({ description: 'Role of the user.', options: LOGIN_ROLES, required: true })(),
};
