import { wrapCommand } from '../../../cli/key-commands/wrap.js';

export default class extends wrapCommand('aes-gcm') {}
