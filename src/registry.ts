/**
 * The one command registry: command id → class. oclif loads it (explicit discovery, see
 * package.json), the shell dispatches through it, and help and completion read the same
 * classes. Ids use ':' between words; people type spaces.
 */
import ClusterActivate from './commands/cluster/activate.js';
import ClusterCreate from './commands/cluster/create.js';
import ClusterDelete from './commands/cluster/delete.js';
import ClusterDescribe from './commands/cluster/describe.js';
import ClusterGetCsr from './commands/cluster/get-csr.js';
import ClusterHsmInfo from './commands/cluster/hsm-info.js';
import ClusterInitialize from './commands/cluster/initialize.js';
import ClusterList from './commands/cluster/list.js';
import ClusterQuickstart from './commands/cluster/quickstart.js';
import Help from './commands/help.js';
import HsmCreate from './commands/hsm/create.js';
import HsmDelete from './commands/hsm/delete.js';
import HsmList from './commands/hsm/list.js';
import Login from './commands/login.js';
import Logout from './commands/logout.js';
import Shell from './commands/shell.js';
import UserChangePassword from './commands/user/change-password.js';
import UserCreate from './commands/user/create.js';
import UserDelete from './commands/user/delete.js';
import UserList from './commands/user/list.js';

export const COMMANDS = {
  'cluster:activate': ClusterActivate,
  'cluster:create': ClusterCreate,
  'cluster:delete': ClusterDelete,
  'cluster:describe': ClusterDescribe,
  'cluster:get-csr': ClusterGetCsr,
  'cluster:hsm-info': ClusterHsmInfo,
  'cluster:initialize': ClusterInitialize,
  'cluster:list': ClusterList,
  'cluster:quickstart': ClusterQuickstart,
  help: Help,
  'hsm:create': HsmCreate,
  'hsm:delete': HsmDelete,
  'hsm:list': HsmList,
  login: Login,
  logout: Logout,
  shell: Shell,
  'user:change-password': UserChangePassword,
  'user:create': UserCreate,
  'user:delete': UserDelete,
  'user:list': UserList,
};

export type CommandId = keyof typeof COMMANDS;
