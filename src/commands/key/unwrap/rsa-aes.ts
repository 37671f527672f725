import { unwrapCommand } from '../../../cli/key-commands.js';

export default class extends unwrapCommand('rsa-aes') {}
