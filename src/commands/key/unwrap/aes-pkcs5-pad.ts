import { unwrapCommand } from '../../../cli/key-commands.js';

export default class extends unwrapCommand('aes-pkcs5-pad') {}
