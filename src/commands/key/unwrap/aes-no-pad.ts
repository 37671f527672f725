import { unwrapCommand } from '../../../cli/key-commands/wrap.js';

export default class extends unwrapCommand('aes-no-pad') {}
