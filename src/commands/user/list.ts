import { BaseCommand } from '../../cli/base-command.js';
import { listUsers } from '../../core/users/operations.js';
import { presentUsers } from '../../cli/presenters/users.js';

export default class UserList extends BaseCommand<typeof UserList> {
  static override summary = 'List the users of the cluster (no login needed).';
  static override examples = ['<%= config.bin %> user list', '<%= config.bin %> user list --json'];

  protected async execute() {
    return { data: presentUsers(await this.perform(listUsers, {})) };
  }
}
